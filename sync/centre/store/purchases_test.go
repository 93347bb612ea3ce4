package store

import (
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/policy"
)

func TestPurchaseRoundTrip(t *testing.T) {
	zone := time.FixedZone("CST", 8*3600)
	for _, p := range []policy.Purchase{
		{TxnID: "T1-1", At: time.Date(2026, 3, 1, 9, 0, 0, 123, zone), Pharmacy: "P1", Terminal: "T1", Total: 4780, Account: 4400,
			Items: []policy.PurchaseItem{{Code: "D0003", Qty: 1, Days: 7000}, {Code: "D0006", Qty: 2, Days: 6000}}},
		{At: time.Date(1999, 1, 1, 0, 0, 0, 0, zone), Total: -5, Account: 0},
	} {
		got, err := decodePurchase(encodePurchase(p), zone)
		if err != nil || !reflect.DeepEqual(got, p) {
			t.Fatalf("round trip: %+v, %v; want %+v", got, err, p)
		}
	}
}

// FuzzDecodePurchase: any stored bytes decode or are refused, never a
// panic, and what decodes encodes back to the same bytes.
func FuzzDecodePurchase(f *testing.F) {
	f.Add(encodePurchase(policy.Purchase{TxnID: "x", Items: []policy.PurchaseItem{{Code: "D1", Qty: 1, Days: 1000}}}))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePurchase(b, time.UTC)
		if err != nil {
			return
		}
		again, err := decodePurchase(encodePurchase(p), time.UTC)
		if err != nil || !reflect.DeepEqual(again, p) {
			t.Fatalf("re-encoded purchase differs: %+v vs %+v (%v)", again, p, err)
		}
	})
}

// TestSchemaOneStoreGainsItsPurchases: a centre.db written before the
// purchases bucket (schema 1: no bucket, charge references without time
// and seq) opens with the card histories rebuilt, and a later void takes
// its charge out of them.
func TestSchemaOneStoreGainsItsPurchases(t *testing.T) {
	s, path := openTest(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Charge("C1", 300)
	j.Charge("C1", 200)
	apply(t, s, "T1", j.Entries...)
	want, err := s.CardHistory(ctx, "C1", t0)
	if err != nil || len(want) != 2 {
		t.Fatalf("history %v, %v", want, err)
	}
	// Make it a schema-1 file.
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketPurchases); err != nil {
			return err
		}
		if err := tx.Bucket(bucketCharges).ForEach(func(k, v []byte) error {
			return tx.Bucket(bucketCharges).Put(k, []byte(`{"card_no":"C1","account":`+map[bool]string{true: "300", false: "200"}[string(k) == string(voidedKey("T1", "T1-1"))]+`}`))
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("schema"), encodeUint64(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	got, err := s2.CardHistory(ctx, "C1", t0)
	if err != nil || len(got) != 2 || got[0].TxnID != want[0].TxnID || got[1].TxnID != want[1].TxnID {
		t.Fatalf("history after migration %+v, %v; want %+v", got, err, want)
	}
	j.Void("C1", "T1-1", 300)
	apply(t, s2, "T1", j.Entries[2:]...)
	got, err = s2.CardHistory(ctx, "C1", t0)
	if err != nil || len(got) != 1 || got[0].TxnID != "T1-2" {
		t.Fatalf("history after voiding T1-1 %+v, %v; want only T1-2", got, err)
	}
}
