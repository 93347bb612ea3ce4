//go:build linux

package reader

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// waitLimit bounds how long a test waits for something that should happen
// within milliseconds; it only turns a hang into a failure.
const waitLimit = 10 * time.Second

// fakeReader is the reader end of a real pseudo-terminal: the test writes
// what a card reader would send on master; the Reader opens the tty path.
type fakeReader struct {
	master, tty *os.File
}

// openPTY opens a pseudo-terminal in raw mode. The test keeps its own tty
// descriptor open so the line's settings persist across the Reader's opens.
func openPTY(t testing.TB) *fakeReader {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("pty.Open: %v", err)
	}
	makeRaw(t, tty)
	f := &fakeReader{master: master, tty: tty}
	t.Cleanup(f.close)
	return f
}

func makeRaw(t testing.TB, f *os.File) {
	t.Helper()
	fd := int(f.Fd())
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		t.Fatalf("get termios: %v", err)
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, tio); err != nil {
		t.Fatalf("set termios: %v", err)
	}
}

// close hangs up the line, as unplugging a USB reader does.
func (f *fakeReader) close() {
	f.master.Close()
	f.tty.Close()
}

func (f *fakeReader) path() string { return f.tty.Name() }

func (f *fakeReader) write(t testing.TB, b []byte) {
	t.Helper()
	if _, err := f.master.Write(b); err != nil {
		t.Fatalf("write to reader line: %v", err)
	}
}

// writeBytewise writes b one byte per write.
func (f *fakeReader) writeBytewise(t testing.TB, b []byte) {
	t.Helper()
	for i := range b {
		f.write(t, b[i:i+1])
	}
}

// pointLink makes link (a symlink) name target, replacing it atomically.
func pointLink(t testing.TB, target, link string) {
	t.Helper()
	tmp := link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		t.Fatalf("symlink: %v", err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatalf("rename symlink: %v", err)
	}
}

// recorder keeps every event a Reader emits.
type recorder struct {
	mu     sync.Mutex
	events []Event
	signal chan struct{}
}

func newRecorder() *recorder { return &recorder{signal: make(chan struct{}, 1)} }

func (r *recorder) emit(ev Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// matching returns the recorded events for which match is true.
func (r *recorder) matching(match func(Event) bool) []Event {
	var out []Event
	for _, ev := range r.all() {
		if match(ev) {
			out = append(out, ev)
		}
	}
	return out
}

// waitN waits until n events match and returns them.
func (r *recorder) waitN(t testing.TB, n int, what string, match func(Event) bool) []Event {
	t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		if got := r.matching(match); len(got) >= n {
			return got
		}
		select {
		case <-r.signal:
		case <-deadline.C:
			t.Fatalf("waited %v for %d× %s; events: %s", waitLimit, n, what, describe(r.all()))
		}
	}
}

func describe(evs []Event) string {
	s := ""
	for _, ev := range evs {
		s += "\n  " + ev.Type
		if ev.Card != nil {
			s += " " + ev.Card.CardNo
		}
		if ev.Reader != nil {
			s += " " + ev.Reader.State
		}
		if ev.Error != "" {
			s += " error=" + ev.Error
		}
	}
	return s
}

func isCard(no string) func(Event) bool {
	return func(ev Event) bool { return ev.Type == EventCard && ev.Card.CardNo == no }
}

// isState matches the "reader" event announcing state: "open" events carry
// no error ("open" events with an error are failed reads), "down" events do.
func isState(state string) func(Event) bool {
	return func(ev Event) bool {
		return ev.Type == EventReader && ev.Reader.State == state && (state == StateDown || ev.Error == "")
	}
}

func isReadError(ev Event) bool {
	return ev.Type == EventReader && ev.Reader.State == StateOpen && ev.Error != ""
}

// startReader runs a Reader on cfg until the test ends.
func startReader(t testing.TB, cfg Config) (*Reader, *recorder) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, rec.emit) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitLimit):
			t.Errorf("Run did not return after cancel")
		}
	})
	return r, rec
}

// linkPath is a symlink path in a fresh temporary directory.
func linkPath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "reader")
}
