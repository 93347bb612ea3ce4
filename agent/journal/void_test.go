package journal

import (
	"errors"
	"testing"
	"time"
)

func TestSameIdempotencyKeyChargesOnce(t *testing.T) {
	j := openTemp(t)
	first, _ := mustAppend(t, j, charge("t1", "A", 1000, base))
	again := charge("t2", "A", 1000, base.Add(time.Second))
	again.IdempotencyKey = first.IdempotencyKey
	if _, _, err := j.Append(again); !errors.Is(err, ErrDuplicateKey) {
		t.Fatalf("second charge with key %s: %v, want ErrDuplicateKey", first.IdempotencyKey, err)
	}
	if j.LastSeq() != 1 {
		t.Fatalf("LastSeq %d after a refused duplicate, want 1", j.LastSeq())
	}
	if _, err := j.ByTxn("t2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("refused charge is findable by txn: %v", err)
	}
	got, err := j.ByIdempotencyKey(first.IdempotencyKey)
	if err != nil || got.TxnID != "t1" {
		t.Fatalf("by key: %s %v, want t1", got.TxnID, err)
	}
	if _, card := j.Unsynced("A"); card != 1000 {
		t.Fatalf("terminal exposure %d after one charge of 1000", card)
	}

	dupTxn := charge("t1", "B", 50, base.Add(2*time.Second))
	dupTxn.IdempotencyKey = "another key"
	if _, _, err := j.Append(dupTxn); !errors.Is(err, ErrDuplicateTxn) {
		t.Fatalf("second charge t1: %v, want ErrDuplicateTxn", err)
	}
	noKey := charge("t3", "A", 10, base)
	noKey.IdempotencyKey = ""
	mustAppend(t, j, noKey)
	noKey.TxnID = "t4"
	mustAppend(t, j, noKey) // charges without a key are not de-duplicated by key
	if _, err := j.ByIdempotencyKey(""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty key found: %v", err)
	}
}

func TestVoidOnceAndOnlyACharge(t *testing.T) {
	j := openTemp(t)
	mustAppend(t, j, charge("t1", "A", 1000, base))
	mustAppend(t, j, charge("t2", "A", 300, base.Add(time.Minute)))
	if v, err := j.Voided("t1"); err != nil || v {
		t.Fatalf("voided before any void: %v %v", v, err)
	}
	mustAppend(t, j, voidOf("v1", "t1", 1000, base.Add(2*time.Minute)))
	if v, err := j.Voided("t1"); err != nil || !v {
		t.Fatalf("voided after the void: %v %v", v, err)
	}

	cases := []struct {
		name string
		rec  func() error
		want error
	}{
		{"twice", func() error { _, _, err := j.Append(voidOf("v2", "t1", 1000, base)); return err }, ErrAlreadyVoided},
		{"unknown", func() error { _, _, err := j.Append(voidOf("v3", "nope", 0, base)); return err }, ErrNotFound},
		{"a void", func() error { _, _, err := j.Append(voidOf("v4", "v1", 1000, base)); return err }, ErrVoidTarget},
		{"same txn", func() error { _, _, err := j.Append(voidOf("v1", "t2", 300, base)); return err }, ErrDuplicateTxn},
		{"other card", func() error {
			v := voidOf("v5", "t2", 300, base)
			v.CardNo = "B"
			_, _, err := j.Append(v)
			return err
		}, ErrVoidTarget},
	}
	for _, c := range cases {
		if err := c.rec(); !errors.Is(err, c.want) {
			t.Errorf("void %s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, _, err := j.Append(voidOf("v6", "t2", 299, base)); err == nil {
		t.Error("void refunding less than the charge took was accepted")
	}
	if _, err := j.Voided("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("voided of an unknown txn: %v", err)
	}
	if j.LastSeq() != 3 {
		t.Fatalf("LastSeq %d after refused voids, want 3", j.LastSeq())
	}
	if card, term := j.Unsynced("A"); card != 300 || term != 300 {
		t.Fatalf("unsynced %d/%d, want 300/300 after voiding 1000 of 1300", card, term)
	}
}
