package store

import (
	"bytes"
	"errors"
	"testing"

	"posagent/sync/wire"
)

func TestRecordRoundTrip(t *testing.T) {
	j := newJournal(t, "T1")
	e := j.Charge("C1", 100)
	txn := Txn{Terminal: "T1", Seq: 1, TxnID: "T1-1", Kind: wire.KindCharge, Flags: []string{wire.FlagOverdraft}, Reasons: nil}
	v, err := encodeRecord(txn, e)
	if err != nil {
		t.Fatal(err)
	}
	r, err := decodeRecord(v)
	if err != nil {
		t.Fatal(err)
	}
	if r.Txn.TxnID != "T1-1" || r.Txn.Flags[0] != wire.FlagOverdraft || r.Entry.Seq != 1 ||
		r.Entry.Hash != e.Hash || !bytes.Equal(r.Entry.Body, e.Body) {
		t.Fatalf("round trip: %+v", r)
	}
	for _, cut := range []int{0, 1, 5, len(v) - len(e.Body) - 3} {
		if _, err := decodeRecord(v[:cut]); !errors.Is(err, errBadRecord) {
			t.Fatalf("truncated at %d: %v", cut, err)
		}
	}
}

// FuzzDecodeRecord: a stored value either decodes or fails with
// errBadRecord; it never panics, and what decodes re-encodes to a value
// that decodes the same.
func FuzzDecodeRecord(f *testing.F) {
	j := newJournal(f, "T1")
	e := j.Charge("C1", 100)
	v, err := encodeRecord(Txn{Terminal: "T1", Seq: 1, Kind: wire.KindCharge}, e)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(v)
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte("\x02{}\x00"))
	f.Fuzz(func(t *testing.T, v []byte) {
		r, err := decodeRecord(v)
		if err != nil {
			if !errors.Is(err, errBadRecord) {
				t.Fatalf("error not errBadRecord: %v", err)
			}
			return
		}
		v2, err := encodeRecord(r.Txn, r.Entry)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := decodeRecord(v2)
		if err != nil || r2.Entry.Hash != r.Entry.Hash || !bytes.Equal(r2.Entry.Body, r.Entry.Body) || r2.Txn.Seq != r.Txn.Seq {
			t.Fatalf("re-encoded record differs: %+v / %+v %v", r, r2, err)
		}
	})
}
