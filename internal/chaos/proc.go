package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is one program the harness runs, kills and restarts: the same
// command line every time, its output appended to one log file so that a
// failure can be read across restarts. Its methods are safe for concurrent
// use; Start, Kill and Stop are serialised.
type Proc struct {
	Name    string
	Path    string
	Args    []string
	LogPath string
	// Ready reports whether a started process serves; WaitReady polls it.
	Ready func(ctx context.Context) error

	op sync.Mutex // one Start, Kill or Stop at a time

	mu      sync.Mutex
	cur     *run
	starts  int
	kills   int
	crashes []error // exits nobody asked for
}

// run is one start of the program.
type run struct {
	cmd      *exec.Cmd
	done     chan struct{} // closed when the process has been reaped
	err      error         // its exit status, set before done is closed
	expected bool          // Kill or Stop ended it
}

// Start starts the program. It fails if it is already running.
func (p *Proc) Start() error {
	p.op.Lock()
	defer p.op.Unlock()
	return p.start()
}

func (p *Proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur != nil {
		return fmt.Errorf("start %s: already running (pid %d)", p.Name, p.cur.cmd.Process.Pid)
	}
	logf, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	fmt.Fprintf(logf, "=== %s start %d at %s\n", p.Name, p.starts+1, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.Path, p.Args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	r := &run{cmd: cmd, done: make(chan struct{})}
	p.cur = r
	p.starts++
	go p.reap(r, logf)
	return nil
}

// reap waits for one run to end and records an exit nobody asked for.
func (p *Proc) reap(r *run, logf *os.File) {
	err := r.cmd.Wait()
	fmt.Fprintf(logf, "=== %s pid %d exited: %v\n", p.Name, r.cmd.Process.Pid, err)
	logf.Close()
	p.mu.Lock()
	r.err = err
	if !r.expected {
		p.crashes = append(p.crashes, fmt.Errorf("%s pid %d exited on its own: %v", p.Name, r.cmd.Process.Pid, err))
	}
	if p.cur == r {
		p.cur = nil
	}
	p.mu.Unlock()
	close(r.done)
}

// Kill sends SIGKILL and waits until the process is gone. Killing a program
// that is not running does nothing and returns false.
func (p *Proc) Kill() (bool, error) {
	p.op.Lock()
	defer p.op.Unlock()
	return p.signal(syscall.SIGKILL, 0)
}

// Restart kills the program (if it runs) and starts it again at once.
func (p *Proc) Restart() error {
	p.op.Lock()
	defer p.op.Unlock()
	if _, err := p.signal(syscall.SIGKILL, 0); err != nil {
		return err
	}
	return p.start()
}

// Stop asks the program to end (SIGTERM) and waits up to grace; then it
// kills it. It returns the exit status of a program that ended by itself
// after SIGTERM (nil for exit 0) and an error when it had to be killed.
func (p *Proc) Stop(grace time.Duration) error {
	p.op.Lock()
	defer p.op.Unlock()
	_, err := p.signal(syscall.SIGTERM, grace)
	return err
}

// signal sends sig to the running process and waits for it to end; after
// grace (0: forever) it sends SIGKILL. It reports whether a process ran.
func (p *Proc) signal(sig syscall.Signal, grace time.Duration) (bool, error) {
	p.mu.Lock()
	r := p.cur
	if r != nil {
		r.expected = true
		if sig == syscall.SIGKILL {
			p.kills++
		}
	}
	p.mu.Unlock()
	if r == nil {
		return false, nil
	}
	if err := r.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return true, fmt.Errorf("%s %s: %w", sig, p.Name, err)
	}
	if grace <= 0 {
		<-r.done
		return true, p.exitErr(sig, r)
	}
	select {
	case <-r.done:
		return true, p.exitErr(sig, r)
	case <-time.After(grace):
		_ = r.cmd.Process.Kill()
		<-r.done
		return true, fmt.Errorf("%s did not end within %v of %s; killed", p.Name, grace, sig)
	}
}

// exitErr is the exit status that matters: none for a kill.
func (p *Proc) exitErr(sig syscall.Signal, r *run) error {
	if sig == syscall.SIGKILL || r.err == nil {
		return nil
	}
	return fmt.Errorf("%s exited after %s: %w", p.Name, sig, r.err)
}

// WaitReady polls Ready until it succeeds, the process exits or ctx ends.
func (p *Proc) WaitReady(ctx context.Context) error {
	var last error
	for {
		p.mu.Lock()
		r := p.cur
		p.mu.Unlock()
		if r == nil {
			return fmt.Errorf("%s is not running (last probe: %v)", p.Name, last)
		}
		if last = p.Ready(ctx); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %v: %w", p.Name, last, ctx.Err())
		case <-r.done:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Stats are a Proc's counters.
type Stats struct {
	Starts, Kills int
	Crashes       []error // exits that neither Kill nor Stop caused
}

// Stats returns the counters so far.
func (p *Proc) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Starts: p.starts, Kills: p.kills, Crashes: append([]error(nil), p.crashes...)}
}

// Generation is the number of starts so far; it changes when the program
// was restarted.
func (p *Proc) Generation() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts
}

// LogLines returns the last most lines of the log that contain any of
// marks.
func (p *Proc) LogLines(most int, marks ...string) string {
	b, err := os.ReadFile(p.LogPath)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if slices.ContainsFunc(marks, func(m string) bool { return strings.Contains(line, m) }) {
			out = append(out, line)
		}
	}
	if len(out) > most {
		out = append([]string{fmt.Sprintf("(%d earlier lines left out)", len(out)-most)}, out[len(out)-most:]...)
	}
	return strings.Join(out, "\n")
}

// LogTail returns the last n bytes of the log file.
func (p *Proc) LogTail(n int64) string {
	f, err := os.Open(p.LogPath)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		_, _ = f.Seek(st.Size()-n, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}
