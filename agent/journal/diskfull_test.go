package journal

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"posagent/internal/testfs"
)

// TestFullDiskLosesNothing fills a real (tmpfs) disk under the journal: the
// append that needs new space fails with a clear error, everything written
// before stays readable and verifiable, the counters do not move, and once
// space is freed appending carries on the same chain.
func TestFullDiskLosesNothing(t *testing.T) {
	dir := testfs.SmallFS(t, "512k")
	path := filepath.Join(dir, "journal.db")
	j := openAt(t, path)
	at := base
	next := func(i int) error {
		at = at.Add(time.Second)
		_, _, err := j.Append(charge(fmt.Sprint("t", i), "6200001", 100, at))
		return err
	}
	for i := range 20 {
		if err := next(i); err != nil {
			t.Fatalf("append %d before the disk is full: %v", i, err)
		}
	}
	free := testfs.Fill(t, dir)

	var failed error
	for i := 20; i < 5000 && failed == nil; i++ {
		failed = next(i) // pages bbolt already owns are reused until it must grow
	}
	if failed == nil {
		t.Fatal("5000 charges fitted on a full 512k disk")
	}
	if !errors.Is(failed, syscall.ENOSPC) || !strings.Contains(failed.Error(), "journal: append charge") {
		t.Errorf("append on a full disk: %v, want a wrapped ENOSPC", failed)
	}
	written := j.LastSeq()
	t.Logf("%d records written before: %v", written, failed)
	checkIntact(t, j, written)
	if _, term := j.Unsynced("6200001"); term != int64(written)*100 {
		t.Fatalf("terminal exposure %d after the failed append, want %d", term, written*100)
	}
	if err := j.PutState("bundle", make([]byte, 64<<10)); err == nil {
		t.Fatal("a 64k state value fitted on a full disk")
	}
	if _, err := j.State("bundle"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("state after a failed put: %v, want ErrNotFound", err)
	}
	wantAcked := uint64(5)
	if err := j.SetAcked(5); err != nil {
		wantAcked = 0 // failed: the cursor must not have moved
	}
	if j.Acked() != wantAcked {
		t.Fatalf("acked %d, want %d", j.Acked(), wantAcked)
	}

	free()
	r, _ := mustAppend(t, j, charge("after", "6200001", 100, at.Add(time.Second)))
	if r.Seq != written+1 {
		t.Fatalf("append after freeing space got seq %d, want %d", r.Seq, written+1)
	}
	checkIntact(t, j, written+1)
	j.Close()
	j = openAt(t, path)
	checkIntact(t, j, written+1)
	if j.Acked() != wantAcked {
		t.Fatalf("acked %d after reopen, want %d", j.Acked(), wantAcked)
	}
}

// checkIntact asserts records 1..last are all there and the chain verifies.
func checkIntact(t *testing.T, j *Journal, last uint64) {
	t.Helper()
	if j.LastSeq() != last {
		t.Fatalf("LastSeq %d, want %d", j.LastSeq(), last)
	}
	entries, err := j.Entries(0, int(last)+1)
	if err != nil || uint64(len(entries)) != last {
		t.Fatalf("%d entries (%v), want %d", len(entries), err, last)
	}
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
}
