package journal

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestRebaseStartsAnEmptyJournalAfterTheCentresSeq: an empty journal
// continues after the given seq and hash, counts it acknowledged, verifies
// from its base and keeps it across a reopen; a journal with a record
// refuses, changing nothing.
func TestRebaseStartsAnEmptyJournalAfterTheCentresSeq(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(path, Options{Terminal: "T1", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Rebase(41, "abc"); err != nil {
		t.Fatal(err)
	}
	if j.LastSeq() != 41 || j.Acked() != 41 || j.LastHash() != "abc" {
		t.Fatalf("after rebase: last %d acked %d hash %q", j.LastSeq(), j.Acked(), j.LastHash())
	}
	if n, _ := j.Backlog(); n != 0 {
		t.Fatalf("backlog %d after rebase", n)
	}
	rec, e := mustAppend(t, j, charge("x1", "C1", 500, at))
	if rec.Seq != 42 || rec.PrevHash != "abc" {
		t.Fatalf("first record after the rebase: seq %d prev %q", rec.Seq, rec.PrevHash)
	}
	if es, err := j.Entries(41, 10); err != nil || len(es) != 1 || es[0].Hash != e.Hash {
		t.Fatalf("entries after 41: %+v %v", es, err)
	}
	if err := j.Verify(); err != nil {
		t.Fatalf("verify a rebased journal: %v", err)
	}
	if err := j.Rebase(50, "def"); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("rebase of a journal with records: %v, want ErrNotEmpty", err)
	}
	j.Close()

	j = openAt(t, path)
	if j.LastSeq() != 42 || j.Acked() != 41 {
		t.Fatalf("reopened: last %d acked %d", j.LastSeq(), j.Acked())
	}
	if seq, hash, err := j.Base(); err != nil || seq != 41 || hash != "abc" {
		t.Fatalf("base %d %q %v", seq, hash, err)
	}
	if err := j.Verify(); err != nil {
		t.Fatalf("verify after reopen: %v", err)
	}
}
