package journal

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const crashEnv = "JOURNAL_CRASH_CHILD"

// TestCrashChild is the child of TestKillNineKeepsAnsweredRecords: it
// appends charges to the journal named in the environment and prints each
// seq after Append returned, until it is killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process for TestKillNineKeepsAnsweredRecords")
	}
	j, err := Open(path, Options{Terminal: "T1", Logger: quiet()})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	run := time.Now().UnixNano()
	for i := 0; ; i++ {
		rec := charge(fmt.Sprintf("r%d-%d", run, i), "6200001", 100, time.Now())
		if i%7 == 6 {
			rec = voidOf(fmt.Sprintf("r%d-v%d", run, i), fmt.Sprintf("r%d-%d", run, i-1), 100, time.Now())
		}
		got, _, err := j.Append(rec)
		if err != nil {
			fmt.Println("append:", err)
			os.Exit(2)
		}
		fmt.Println("seq", got.Seq) // only now is the record answered as done
	}
}

// TestKillNineKeepsAnsweredRecords kills a writing child with SIGKILL at
// random moments: every seq it reported must be in the journal afterwards,
// and the chain must verify.
func TestKillNineKeepsAnsweredRecords(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in the child")
	}
	path := filepath.Join(t.TempDir(), "journal.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var survived uint64
	for round := range 20 {
		answered, err := crashChild(t, path, rng.IntN(40))
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		j := openAt(t, path)
		for _, seq := range answered {
			if _, _, err := j.Get(seq); err != nil {
				t.Fatalf("round %d: answered seq %d lost after kill -9: %v", round, seq, err)
			}
		}
		if err := j.Verify(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		survived = j.LastSeq()
		j.Close()
	}
	t.Logf("%d records through 20 kills", survived)
}

// crashChild starts the child, kills it after it answered n appends (n = 0:
// after a short random delay, possibly while it opens) and returns the seqs
// it answered.
func crashChild(t *testing.T, path string, n int) ([]uint64, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if n == 0 {
		time.AfterFunc(time.Duration(rand.IntN(20))*time.Millisecond, func() { cmd.Process.Kill() })
	}
	var answered []uint64
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		seq, ok := strings.CutPrefix(line, "seq ")
		if !ok {
			if strings.HasPrefix(line, "open:") || strings.HasPrefix(line, "append:") {
				cmd.Process.Kill()
				cmd.Wait()
				return nil, fmt.Errorf("child: %s", line)
			}
			continue
		}
		s, err := strconv.ParseUint(seq, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("child said %q", line)
		}
		answered = append(answered, s)
		if len(answered) == n {
			cmd.Process.Kill() // SIGKILL
		}
	}
	cmd.Wait() // the lock is released once the child is gone
	return answered, nil
}
