package testfs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestSmallFSFillsAndFrees(t *testing.T) {
	dir := SmallFS(t, "128k")
	free := Fill(t, dir)
	err := os.WriteFile(filepath.Join(dir, "more"), make([]byte, 8192), 0o600)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write on a full tmpfs: got %v, want ENOSPC", err)
	}
	free()
	if err := os.WriteFile(filepath.Join(dir, "more"), make([]byte, 8192), 0o600); err != nil {
		t.Fatalf("write after freeing: %v", err)
	}
}

func TestSmallFSIsSmall(t *testing.T) {
	dir := SmallFS(t, "64k")
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	if size := st.Blocks * uint64(st.Bsize); size > 64<<10 {
		t.Fatalf("tmpfs is %d bytes, asked for 64k", size)
	}
}
