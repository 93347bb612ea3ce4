// Package testfs gives tests real file systems with real limits: a small
// tmpfs that fills up, so code can be tested against ENOSPC the way a
// pharmacy's full disk would produce it. It is for tests only.
package testfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// SmallFS mounts a tmpfs of the given size (a tmpfs size option such as
// "256k" or "2m") on a fresh temporary directory and returns the directory.
// It is unmounted when the test ends; close files on it in cleanups
// registered after SmallFS so they run first. The test is skipped when the
// mount is not permitted (not root, no CAP_SYS_ADMIN, not Linux).
func SmallFS(t testing.TB, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		t.Skipf("cannot mount a %s tmpfs on %s (needs root or CAP_SYS_ADMIN): %v", size, dir, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount tmpfs %s: %v", dir, err)
		}
	})
	return dir
}

// Fill writes a filler file in dir until the file system reports ENOSPC,
// and returns a function that removes the filler again.
func Fill(t testing.TB, dir string) (free func()) {
	t.Helper()
	path := filepath.Join(dir, "filler")
	if err := fill(path); err != nil {
		t.Fatalf("fill %s: %v", dir, err)
	}
	return func() {
		t.Helper()
		if err := os.Remove(path); err != nil {
			t.Fatalf("free %s: %v", dir, err)
		}
	}
}

// fill appends to path until the disk is full. Any other error, or a disk
// that never fills, is returned.
func fill(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	const limit = 1 << 30 // a "small" file system larger than this is a mistake
	buf := make([]byte, 4096)
	for written := 0; written < limit; {
		n, err := f.Write(buf)
		written += n
		if errors.Is(err, syscall.ENOSPC) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return fmt.Errorf("wrote %d bytes without filling the file system", limit)
}
