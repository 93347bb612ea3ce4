package journal

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"posagent/sync/wire"
)

func TestAppendGetRoundTripAndChain(t *testing.T) {
	j := openTemp(t)
	in := []wire.Record{
		quote("6200001", base),
		charge("t1", "6200001", 9450, base.Add(time.Minute)),
		refusal("6200002", base.Add(2*time.Minute)),
		voidOf("t2", "t1", 9450, base.Add(3*time.Minute)),
	}
	var prev wire.Entry
	for i, rec := range in {
		rec.Terminal, rec.Seq, rec.PrevHash = "someone else", 99, "forged"
		got, e := mustAppend(t, j, rec)
		if want := uint64(i + 1); got.Seq != want || e.Seq != want {
			t.Fatalf("record %d: seq %d / entry seq %d, want %d", i, got.Seq, e.Seq, want)
		}
		if got.Terminal != "T1" || got.PrevHash != prev.Hash {
			t.Fatalf("seq %d: terminal %q prev_hash %q, want T1 and %q", got.Seq, got.Terminal, got.PrevHash, prev.Hash)
		}
		if e.Hash != wire.HashBody(e.Body) {
			t.Fatalf("seq %d: hash does not match body", got.Seq)
		}
		if j.LastSeq() != got.Seq || j.LastHash() != e.Hash {
			t.Fatalf("seq %d: LastSeq %d LastHash %s", got.Seq, j.LastSeq(), j.LastHash())
		}
		back, be, err := j.Get(got.Seq)
		if err != nil {
			t.Fatalf("get %d: %v", got.Seq, err)
		}
		if !bytes.Equal(be.Body, e.Body) || be.Hash != e.Hash || back.Kind != rec.Kind || !back.At.Equal(rec.At) {
			t.Fatalf("get %d: got %+v, want body %s", got.Seq, be, e.Body)
		}
		prev = e
	}
	if void, _, _ := j.Get(4); void.CardNo != "6200001" {
		t.Errorf("void card_no %q, want the charge's card filled in", void.CardNo)
	}
	if _, _, err := j.Get(5); !errors.Is(err, ErrNotFound) {
		t.Errorf("get 5: %v, want ErrNotFound", err)
	}
	if err := j.Verify(); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func TestAppendRefusesMalformedRecords(t *testing.T) {
	j := openTemp(t)
	bad := map[string]wire.Record{
		"unknown kind":      {Kind: "sale", At: base},
		"no time":           {Kind: wire.KindQuote},
		"charge no txn":     {Kind: wire.KindCharge, CardNo: "1", At: base},
		"charge no card":    {Kind: wire.KindCharge, TxnID: "x", At: base},
		"negative account":  {Kind: wire.KindCharge, TxnID: "x", CardNo: "1", Account: -1, At: base},
		"void no target":    {Kind: wire.KindVoid, TxnID: "v", At: base},
		"time out of range": {Kind: wire.KindQuote, At: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for name, rec := range bad {
		if _, _, err := j.Append(rec); err == nil {
			t.Errorf("%s: appended, want an error", name)
		}
	}
	if j.LastSeq() != 0 {
		t.Fatalf("LastSeq %d after refused appends, want 0", j.LastSeq())
	}
}

func TestReopenKeepsCounters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openAt(t, path)
	mustAppend(t, j, charge("t1", "A", 1000, base))
	mustAppend(t, j, charge("t2", "B", 2000, base.Add(time.Minute)))
	mustAppend(t, j, charge("t3", "A", 400, base.Add(2*time.Minute)))
	if err := j.SetAcked(1); err != nil {
		t.Fatal(err)
	}
	wantHash := j.LastHash()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j = openAt(t, path)
	if j.LastSeq() != 3 || j.LastHash() != wantHash || j.Acked() != 1 {
		t.Fatalf("after reopen: last %d %s acked %d", j.LastSeq(), j.LastHash(), j.Acked())
	}
	if card, term := j.Unsynced("A"); card != 400 || term != 2400 {
		t.Fatalf("unsynced after reopen: card %d terminal %d, want 400 and 2400", card, term)
	}
	if n, oldest := j.Backlog(); n != 2 || !oldest.Equal(base.Add(time.Minute)) {
		t.Fatalf("backlog after reopen: %d since %v", n, oldest)
	}
	r, _ := mustAppend(t, j, quote("A", base.Add(3*time.Minute)))
	if r.Seq != 4 || r.PrevHash != wantHash {
		t.Fatalf("append after reopen: seq %d prev %s", r.Seq, r.PrevHash)
	}
}

func TestJournalBelongsToOneTerminal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openAt(t, path)
	j.Close()
	_, err := Open(path, Options{Terminal: "T2", Logger: quiet()})
	if !errors.Is(err, ErrTerminal) {
		t.Fatalf("open as T2: %v, want ErrTerminal", err)
	}
	if _, err := Open(path, Options{Logger: quiet()}); err == nil {
		t.Fatal("open without a terminal id succeeded")
	}
}

func TestOpenWaitsForTheLockThenFails(t *testing.T) {
	j := openTemp(t)
	_, err := Open(j.Path(), Options{Terminal: "T1", Timeout: 50 * time.Millisecond, Logger: quiet()})
	if err == nil {
		t.Fatal("second open of a journal in use succeeded")
	}
}

func TestEntriesPages(t *testing.T) {
	j := openTemp(t)
	for i := range 7 {
		mustAppend(t, j, quote("A", base.Add(time.Duration(i)*time.Second)))
	}
	var got []uint64
	for after := uint64(0); ; {
		batch, err := j.Entries(after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) == 0 {
			break
		}
		if len(batch) > 3 {
			t.Fatalf("batch of %d, max 3", len(batch))
		}
		for _, e := range batch {
			if _, err := wire.Open(e); err != nil {
				t.Fatalf("entry %d does not open: %v", e.Seq, err)
			}
			got = append(got, e.Seq)
		}
		after = batch[len(batch)-1].Seq
	}
	if len(got) != 7 || got[0] != 1 || got[6] != 7 {
		t.Fatalf("paged seqs %v, want 1..7", got)
	}
	if none, _ := j.Entries(0, 0); len(none) != 0 {
		t.Fatalf("max 0 gave %d entries", len(none))
	}
}

func TestSetAckedClampsAndMayGoDown(t *testing.T) {
	j := openTemp(t)
	for i := range 4 {
		mustAppend(t, j, charge(string(rune('a'+i)), "A", 100, base.Add(time.Duration(i)*time.Minute)))
	}
	if err := j.SetAcked(10); err != nil {
		t.Fatal(err)
	}
	if j.Acked() != 4 || !j.Synced(4) {
		t.Fatalf("acked %d after acking 10 of 4", j.Acked())
	}
	if n, oldest := j.Backlog(); n != 0 || !oldest.IsZero() {
		t.Fatalf("backlog %d %v with everything acked", n, oldest)
	}
	if _, term := j.Unsynced("A"); term != 0 {
		t.Fatalf("terminal exposure %d with everything acked", term)
	}
	if err := j.SetAcked(2); err != nil {
		t.Fatal(err)
	}
	if j.Acked() != 2 || j.Synced(3) || !j.Synced(2) {
		t.Fatalf("acked %d after the centre went back to 2", j.Acked())
	}
	if n, oldest := j.Backlog(); n != 2 || !oldest.Equal(base.Add(2*time.Minute)) {
		t.Fatalf("backlog %d since %v, want 2 since the third charge", n, oldest)
	}
	if card, term := j.Unsynced("A"); card != 200 || term != 200 {
		t.Fatalf("unsynced %d/%d, want 200/200", card, term)
	}
}

func TestStateAndAnswers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openAt(t, path)
	if _, err := j.State("bundle"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing state: %v", err)
	}
	if _, err := j.Answer("k1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing answer: %v", err)
	}
	if err := j.PutState("bundle", []byte("v12")); err != nil {
		t.Fatal(err)
	}
	if err := j.PutState("empty", nil); err != nil {
		t.Fatal(err)
	}
	if err := j.PutAnswer("k1", []byte(`{"txn_id":"t1"}`)); err != nil {
		t.Fatal(err)
	}
	if err := j.PutState("", []byte("x")); err == nil {
		t.Fatal("empty state key accepted")
	}
	j.Close()

	j = openAt(t, path)
	if v, err := j.State("bundle"); err != nil || string(v) != "v12" {
		t.Fatalf("state after reopen: %q %v", v, err)
	}
	if v, err := j.State("empty"); err != nil || len(v) != 0 {
		t.Fatalf("empty state: %q %v, want empty and found", v, err)
	}
	if v, err := j.Answer("k1"); err != nil || string(v) != `{"txn_id":"t1"}` {
		t.Fatalf("answer after reopen: %q %v", v, err)
	}
}

// A record too large to ever be synced is refused and nothing is written:
// one such entry would stall the outbox for good.
func TestAppendRefusesARecordTooLargeToSync(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "j.db"), Options{Terminal: "T1"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	huge := wire.Record{Kind: wire.KindRefusal, At: time.Now(), CardNo: "C1", Note: strings.Repeat("<", MaxBody/4)}
	if _, _, err := j.Append(huge); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("append of a %d-byte note: %v, want ErrTooLarge", len(huge.Note), err)
	}
	if j.LastSeq() != 0 {
		t.Fatalf("LastSeq %d after a refused append", j.LastSeq())
	}
	huge.Note = "fine"
	if _, _, err := j.Append(huge); err != nil {
		t.Fatalf("a normal record after the refused one: %v", err)
	}
}
