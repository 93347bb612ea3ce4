package store

import (
	"testing"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/centre/ledger"
)

// TestSchemaThreeStoreGainsRulings: a centre.db written before the ruling
// history (schema 3) opens at the current schema with the bucket empty;
// a hold held then is ruled on and its ruling recorded.
func TestSchemaThreeStoreGainsRulings(t *testing.T) {
	s, path := openTest(t)
	enrol(t, s, "T1", "P1")
	blk := active("BLK", 10000)
	blk.Blocked = true
	importAccounts(t, s, blk)
	j := newJournal(t, "T1")
	j.Charge("BLK", 700)
	apply(t, s, "T1", j.Entries...)
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketRulings); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), encodeUint64(3))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, path)
	if rs, err := s.Rulings(ctx, "T1", 1); err != nil || len(rs) != 0 {
		t.Fatalf("history after the upgrade: %+v %v", rs, err)
	}
	x, err := s.Rule(ctx, RulingRequest{Terminal: "T1", Seq: 1, Action: ledger.RulingAccept, By: "wang", At: t0})
	if err != nil || x.Hold != HoldAccepted || balance(t, s, "BLK") != 10000-700 {
		t.Fatalf("ruling after the upgrade: %+v %v", x, err)
	}
	if rs, err := s.Rulings(ctx, "T1", 1); err != nil || len(rs) != 1 || rs[0].By != "wang" {
		t.Fatalf("history %+v %v", rs, err)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if v := decodeUint64(tx.Bucket(bucketMeta).Get([]byte("schema"))); v != schemaVersion {
			t.Errorf("schema %d, want %d", v, schemaVersion)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
