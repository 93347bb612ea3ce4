package cardsim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Counter is a card's transaction counter: strictly increasing, never
// reused (SPEC §10).
type Counter interface {
	// Next moves the counter on and returns its new value; once it
	// returns, that value is never returned again, even by a counter
	// reopened after a crash. An error means no value was used up.
	Next() (uint64, error)
}

// MemCounter is a Counter in memory, for tests and the demo. The zero
// value starts at 0; the first Next returns 1.
type MemCounter struct {
	mu sync.Mutex
	n  uint64
}

// Next implements Counter.
func (c *MemCounter) Next() (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == ^uint64(0) {
		return 0, errors.New("card counter exhausted")
	}
	c.n++
	return c.n, nil
}

// FileCounter is a Counter kept in a file holding its last value in
// decimal. Next writes the new value durably (a temporary file, fsync,
// rename, fsync of the folder) before returning it, so a simulator that
// crashes or restarts never answers with a counter it used before.
type FileCounter struct {
	path string
	mu   sync.Mutex
	n    uint64
}

// OpenFileCounter reads the counter file at path; a missing file is a new
// card's counter (0). A file that is not one decimal number is refused:
// guessing could reuse a counter.
func OpenFileCounter(path string) (*FileCounter, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &FileCounter{path: path}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("card counter: %w", err)
	}
	s := strings.TrimSpace(string(b))
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || s != strconv.FormatUint(n, 10) {
		return nil, fmt.Errorf("card counter %s is damaged (%q is not a decimal counter); restore it or give the card a new counter file above every counter it has used", path, clip(s))
	}
	return &FileCounter{path: path, n: n}, nil
}

// Next implements Counter.
func (c *FileCounter) Next() (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == ^uint64(0) {
		return 0, fmt.Errorf("card counter %s exhausted", c.path)
	}
	if err := writeDurably(c.path, []byte(strconv.FormatUint(c.n+1, 10)+"\n")); err != nil {
		return 0, fmt.Errorf("card counter: %w", err)
	}
	c.n++
	return c.n, nil
}

// writeDurably replaces path with b so that after a crash the file holds
// either its old or its new content, and the new one once this returns.
func writeDurably(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly after the rename
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
