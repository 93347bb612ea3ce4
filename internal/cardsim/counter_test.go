package cardsim

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestFileCounterPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "A00000001.counter")
	c, err := OpenFileCounter(path)
	if err != nil {
		t.Fatal(err)
	}
	for want := uint64(1); want <= 3; want++ {
		if n, err := c.Next(); err != nil || n != want {
			t.Fatalf("Next = %d, %v; want %d", n, err, want)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != "3\n" {
		t.Errorf("file holds %q, want the last counter used", b)
	}
	// A restarted simulator goes on from the last counter used.
	c, err = OpenFileCounter(path)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.Next(); err != nil || n != 4 {
		t.Errorf("after reopening, Next = %d, %v; want 4", n, err)
	}
	if left, _ := filepath.Glob(path + ".tmp*"); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestFileCounterRefusesDamage(t *testing.T) {
	dir := t.TempDir()
	for _, text := range []string{"", "x", "-1", "+3", "03", "1 2", "18446744073709551616", "3\x00"} {
		path := filepath.Join(dir, "c")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenFileCounter(path); err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("counter file %q: %v, want it refused as damaged", text, err)
		}
	}
	if _, err := OpenFileCounter(filepath.Join(dir, "no", "such", "dir")); err != nil {
		t.Fatalf("a missing file is a new counter: %v", err)
	}
	c, _ := OpenFileCounter(filepath.Join(dir, "no", "such", "dir"))
	if _, err := c.Next(); err == nil {
		t.Error("Next wrote nowhere and gave no error")
	}
}

func TestCountersNeverRepeat(t *testing.T) {
	fc, err := OpenFileCounter(filepath.Join(t.TempDir(), "c"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []Counter{new(MemCounter), fc} {
		var mu sync.Mutex
		seen := map[uint64]bool{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 25 {
					n, err := c.Next()
					mu.Lock()
					if err != nil || seen[n] {
						t.Errorf("Next = %d, %v (seen before: %v)", n, err, seen[n])
					}
					seen[n] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != 100 {
			t.Errorf("%T: %d distinct counters, want 100", c, len(seen))
		}
	}
}
