package journal

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"posagent/sync/wire"
)

// TestAppendBatchStoresWhatAppendWould appends the same records one by one
// into one journal and as two batches into another: the files hold the
// same entries byte for byte, the same sums, and both verify.
func TestAppendBatchStoresWhatAppendWould(t *testing.T) {
	var recs []wire.Record
	for i := range 40 {
		at := base.Add(time.Duration(i) * time.Minute)
		switch {
		case i%10 == 9:
			recs = append(recs, voidOf(fmt.Sprint("v", i), fmt.Sprint("t", i-1), 100*int64(i-1), at))
		case i%10 == 5:
			recs = append(recs, quote("6200002", at))
		default:
			recs = append(recs, charge(fmt.Sprint("t", i), fmt.Sprint("62000", i%3), 100*int64(i), at))
		}
	}
	one, batch := openTemp(t), openTemp(t)
	for _, r := range recs {
		mustAppend(t, one, r)
	}
	mustAppend(t, batch, recs[0])
	got, err := batch.AppendBatch(recs[1:25])
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Seq != 2 || got[23].Seq != 25 || got[1].PrevHash == "" {
		t.Fatalf("batch seqs %d..%d, prev hash %q", got[0].Seq, got[23].Seq, got[1].PrevHash)
	}
	if _, err := batch.AppendBatch(recs[25:]); err != nil {
		t.Fatal(err)
	}
	checkIntact(t, batch, uint64(len(recs)))
	a, _ := one.Entries(0, 100)
	b, _ := batch.Entries(0, 100)
	for i := range a {
		if a[i].Hash != b[i].Hash || !bytes.Equal(a[i].Body, b[i].Body) {
			t.Fatalf("entry %d differs:\n one by one %s\n batch      %s", i+1, a[i].Body, b[i].Body)
		}
	}
	for _, card := range []string{"620000", "620001", "620002"} {
		c1, t1 := one.Unsynced(card)
		c2, t2 := batch.Unsynced(card)
		if c1 != c2 || t1 != t2 {
			t.Errorf("card %s exposure: one by one %d/%d, batch %d/%d", card, c1, t1, c2, t2)
		}
	}
	if n, oldest := batch.Backlog(); n != uint64(len(recs)) || !oldest.Equal(recs[0].At) {
		t.Errorf("backlog %d from %v, want %d from %v", n, oldest, len(recs), recs[0].At)
	}
}

// TestAppendBatchIsAllOrNothing: a batch whose last record reuses an
// idempotency key of its first writes nothing at all.
func TestAppendBatchIsAllOrNothing(t *testing.T) {
	j := openTemp(t)
	mustAppend(t, j, charge("t0", "6200001", 100, base))
	bad := []wire.Record{
		charge("t1", "6200001", 100, base.Add(time.Minute)),
		charge("t2", "6200001", 100, base.Add(2*time.Minute)),
	}
	bad[1].IdempotencyKey = bad[0].IdempotencyKey
	if _, err := j.AppendBatch(bad); !errors.Is(err, ErrDuplicateKey) {
		t.Fatalf("batch with a reused key: %v, want ErrDuplicateKey", err)
	}
	checkIntact(t, j, 1)
	if _, term := j.Unsynced(""); term != 100 {
		t.Fatalf("terminal exposure %d after a refused batch, want 100", term)
	}
	if _, err := j.AppendBatch([]wire.Record{{Kind: "sale", At: base}}); err == nil {
		t.Fatal("a batch with an unknown kind was accepted")
	}
	r, _ := mustAppend(t, j, charge("t1", "6200001", 100, base.Add(time.Minute)))
	if r.Seq != 2 {
		t.Fatalf("append after a refused batch got seq %d, want 2", r.Seq)
	}
}
