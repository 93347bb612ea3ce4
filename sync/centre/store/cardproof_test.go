package store

import (
	"bytes"
	"encoding/hex"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/internal/cardproof"
	"posagent/sync/wire"
)

// TestSchemaTwoStoreGainsCardCounters: a centre.db written before the
// card counters (schema 2) opens at the current schema with the bucket
// empty, and an honest proof's (card, counter) is then recorded with its
// record, in the apply's transaction.
func TestSchemaTwoStoreGainsCardCounters(t *testing.T) {
	s, path := openTest(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketCounters); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), encodeUint64(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, path)

	issuer := cardproof.IssuerKey(bytes.Repeat([]byte{3}, cardproof.IssuerKeySize))
	card, err := cardproof.NewCard(cardproof.Default, issuer, "C1")
	if err != nil {
		t.Fatal(err)
	}
	j := newJournal(t, "T1")
	rec := wire.Record{Kind: wire.KindCharge, Terminal: "T1", Seq: 1, At: t0.Add(time.Minute), TxnID: "x", CardNo: "C1",
		Total: 500, Account: 500, Lines: []wire.Line{{Code: "X01", Qty: 1, UnitPrice: 500, Amount: 500, Account: 500}}}
	ch := cardproof.ChallengeFor(rec.Sale())
	rec.CardProof = &cardproof.Proof{Challenge: ch.String(), Counter: 77, Cryptogram: hex.EncodeToString(card.Sign(ch, 77))}
	j.Add(rec)
	if _, err := s.Apply(ctx, "T1", j.Entries, Judging{ReceivedAt: t0.Add(time.Hour), IssuerKey: issuer}); err != nil {
		t.Fatal(err)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if v := decodeUint64(tx.Bucket(bucketMeta).Get([]byte("schema"))); v != schemaVersion {
			t.Errorf("schema %d, want %d", v, schemaVersion)
		}
		if owner := tx.Bucket(bucketCounters).Get(counterKey("C1", 77)); !bytes.Equal(owner, recordKey("T1", 1)) {
			t.Errorf("counter 77 of C1 used by %q, want record T1/1", owner)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
