package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

var recordTests = []test{
	{"PeriodOldestFirst", testEachRecordPeriod},
	{"StopsOnError", testEachRecordStops},
}

// eachRecord collects what EachRecord gives for [from, to).
func eachRecord(t *testing.T, s store.Store, from, to time.Time) []store.StoredRecord {
	t.Helper()
	var out []store.StoredRecord
	err := s.EachRecord(context.Background(), from, to, func(r store.StoredRecord) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatalf("EachRecord: %v", err)
	}
	return out
}

// The records of a period come oldest first, every kind, each with the
// record as its terminal sent it (lines and all) and the centre's view
// with what it decided (flags, holds).
func testEachRecordPeriod(t *testing.T, open Opener) {
	s := querySetup(t, open)
	all := eachRecord(t, s, time.Time{}, time.Time{})
	var got []string
	for _, r := range all {
		got = append(got, r.Txn.Terminal+"/"+r.Record.TxnID)
		if r.Txn.Seq != r.Record.Seq || r.Txn.Terminal != r.Record.Terminal || !r.Txn.At.Equal(r.Record.At) {
			t.Errorf("view %s/%d does not match its record %s/%d", r.Txn.Terminal, r.Txn.Seq, r.Record.Terminal, r.Record.Seq)
		}
	}
	want := []string{"T3/f", "T1/a", "T2/d", "T1/", "T2/e", "T1/b", "T3/g", "T1/c"}
	if !slices.Equal(got, want) {
		t.Fatalf("all records = %v, want %v", got, want)
	}
	d := all[2]
	if len(d.Record.Lines) != 1 || d.Record.Lines[0].Qty != 2 || d.Record.Lines[0].Days != 14000 || d.Txn.Pharmacy != "P1" {
		t.Errorf("record d = %+v, pharmacy %q", d.Record.Lines, d.Txn.Pharmacy)
	}
	f := all[0]
	if f.Txn.Held != 900 || f.Txn.Hold != store.HoldHeld || !slices.Contains(f.Txn.Flags, wire.FlagBlockedAtSync) {
		t.Errorf("record f: held %d %q, flags %v; want 900 held, BLOCKED_AT_SYNC", f.Txn.Held, f.Txn.Hold, f.Txn.Flags)
	}

	// [from, to): from is in, to is out.
	part := eachRecord(t, s, minute(15), minute(35))
	got = got[:0]
	for _, r := range part {
		got = append(got, r.Record.TxnID)
	}
	if want := []string{"d", "", "e", "b"}; !slices.Equal(got, want) {
		t.Errorf("records in [15, 35) = %q, want %q", got, want)
	}
	if n := len(eachRecord(t, s, minute(41), minute(90))); n != 0 {
		t.Errorf("records after the last: %d", n)
	}
}

// An error from fn ends the walk and comes back wrapped.
func testEachRecordStops(t *testing.T, open Opener) {
	s := querySetup(t, open)
	stop := errors.New("enough")
	n := 0
	err := s.EachRecord(context.Background(), time.Time{}, time.Time{}, func(store.StoredRecord) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Fatalf("EachRecord = %v after %d records, want %v after 2", err, n, stop)
	}
}
