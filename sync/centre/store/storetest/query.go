package storetest

import (
	"slices"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

var transactionTests = []test{
	{"Filters", testTransactionsFilters},
	{"FlagsAndReasons", testTransactionsFlagsAndReasons},
	{"TimesAreExact", testTransactionsTimesAreExact},
	{"DefaultLimit", testTransactionsDefaultLimit},
}

var historyTests = []test{
	{"AcrossTerminalsWithoutVoided", testCardHistory},
	{"VoidInLaterBatch", testCardHistoryVoidInLaterBatch},
}

// querySetup: two pharmacies, three terminals, records at known minutes
// after t0 (txn id in brackets).
//
//	T1 (P1): 10 charge C1 [a] · 20 quote C2 · 30 charge C2 [b] · 40 void of a [c]
//	T2 (P1): 15 charge C1 with a review reason on a line [d] · 25 charge C3 [e]
//	T3 (P2): 05 charge on unknown card C9, BLOCKED_AT_SYNC [f] · 35 charge C1 [g]
//
// sound fills in what a hand-written charge or void leaves out so that its
// sums hold (SPEC §9 arithmetic): a total of its account part, and for a
// charge one line carrying it, or its given line's amounts.
func sound(r wire.Record) wire.Record {
	if r.Kind != wire.KindCharge && r.Kind != wire.KindVoid {
		return r
	}
	r.Total = r.Account + r.Cash
	if r.Kind == wire.KindCharge {
		if len(r.Lines) == 0 {
			r.Lines = []wire.Line{{Code: "X01", Qty: 1, UnitPrice: r.Total}}
		}
		l := &r.Lines[0]
		l.Amount, l.Account, l.Cash = r.Total, r.Account, r.Cash
		if l.Qty > 0 && r.Total%l.Qty == 0 {
			l.UnitPrice = r.Total / l.Qty
		}
	}
	return r
}

func querySetup(t *testing.T, open Opener) store.Store {
	s := open(t)
	enrol(t, s, "T1", "P1")
	enrol(t, s, "T2", "P1")
	enrol(t, s, "T3", "P2")
	importAccounts(t, s, active("C1", 10000), active("C2", 10000), active("C3", 10000))

	j1 := newJournal(t, "T1")
	j1.Add(sound(wire.Record{Kind: wire.KindCharge, TxnID: "a", CardNo: "C1", Account: 500, At: minute(10)}))
	j1.Add(sound(wire.Record{Kind: wire.KindQuote, CardNo: "C2", At: minute(20)}))
	j1.Add(sound(wire.Record{Kind: wire.KindCharge, TxnID: "b", CardNo: "C2", Account: 300, At: minute(30)}))
	j1.Add(sound(wire.Record{Kind: wire.KindVoid, TxnID: "c", CardNo: "C1", Reverses: "a", Account: 500, At: minute(40)}))
	apply(t, s, "T1", j1.Entries...)

	j2 := newJournal(t, "T2")
	j2.Add(sound(wire.Record{Kind: wire.KindCharge, TxnID: "d", CardNo: "C1", Account: 700, At: minute(15),
		Lines: []wire.Line{{Code: "X", Qty: 2, Days: 14000, Reasons: []policy.Reason{reviewReason}}}}))
	j2.Add(sound(wire.Record{Kind: wire.KindCharge, TxnID: "e", CardNo: "C3", Account: 100, At: minute(25)}))
	apply(t, s, "T2", j2.Entries...)

	j3 := newJournal(t, "T3")
	j3.Add(sound(wire.Record{Kind: wire.KindCharge, TxnID: "f", CardNo: "C9", Account: 900, At: minute(5)}))
	j3.Add(sound(wire.Record{Kind: wire.KindCharge, TxnID: "g", CardNo: "C1", Account: 50, At: minute(35)}))
	apply(t, s, "T3", j3.Entries...)
	return s
}

func testTransactionsFilters(t *testing.T, open Opener) {
	s := querySetup(t, open)
	cases := []struct {
		name string
		f    store.Filter
		want []string // txn ids (quotes have none: "-"), newest first
	}{
		{"all", store.Filter{}, []string{"c", "g", "b", "e", "-", "d", "a", "f"}},
		{"limit", store.Filter{Limit: 3}, []string{"c", "g", "b"}},
		{"pharmacy", store.Filter{Pharmacy: "P2"}, []string{"g", "f"}},
		{"terminal", store.Filter{Terminal: "T1"}, []string{"c", "b", "-", "a"}},
		{"card", store.Filter{CardNo: "C1"}, []string{"c", "g", "d", "a"}},
		{"card at one pharmacy", store.Filter{CardNo: "C1", Pharmacy: "P1"}, []string{"c", "d", "a"}},
		{"card at one terminal", store.Filter{CardNo: "C1", Terminal: "T3"}, []string{"g"}},
		{"kind", store.Filter{Kind: wire.KindQuote}, []string{"-"}},
		{"kind on a terminal", store.Filter{Kind: wire.KindCharge, Terminal: "T1"}, []string{"b", "a"}},
		{"flagged", store.Filter{Flagged: true}, []string{"d", "f"}},
		{"flagged at a pharmacy", store.Filter{Flagged: true, Pharmacy: "P2"}, []string{"f"}},
		{"from", store.Filter{From: minute(30)}, []string{"c", "g", "b"}},
		{"to is exclusive", store.Filter{To: minute(30)}, []string{"e", "-", "d", "a", "f"}},
		{"window on a terminal", store.Filter{Terminal: "T1", From: minute(20), To: minute(40)}, []string{"b", "-"}},
		{"window on a card", store.Filter{CardNo: "C1", From: minute(10), To: minute(36)}, []string{"g", "d", "a"}},
		{"window with limit", store.Filter{From: minute(10), To: minute(36), Limit: 2}, []string{"g", "b"}},
		{"empty window", store.Filter{From: minute(30), To: minute(30)}, []string{}},
		{"nothing", store.Filter{Terminal: "T0"}, []string{}},
		{"NUL in a name", store.Filter{CardNo: "C\x001"}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, err := s.Transactions(t.Context(), c.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(ts); !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func testTransactionsFlagsAndReasons(t *testing.T, open Opener) {
	s := querySetup(t, open)
	ts, err := s.Transactions(t.Context(), store.Filter{Flagged: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || len(ts[0].Reasons) != 1 || ts[1].Flags == nil || !slices.Equal(ts[1].Flags, []string{wire.FlagBlockedAtSync}) {
		t.Fatalf("flagged: %+v", ts)
	}
	r := ts[0].Reasons[0]
	if r.Code != reviewReason.Code || r.Severity != policy.Review || r.MessageZh != "中" || r.Evidence["count"] != 4.0 {
		t.Fatalf("reason %+v, want %+v", r, reviewReason)
	}
	all, err := s.Transactions(t.Context(), store.Filter{Terminal: "T1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range all {
		if x.Flags == nil || x.Reasons == nil {
			t.Fatalf("%s/%d: flags %#v reasons %#v; want empty lists, not null", x.Terminal, x.Seq, x.Flags, x.Reasons)
		}
	}
}

// A terminal's clock has nanoseconds and a zone: the centre keeps both,
// and a window's bounds are exact to the nanosecond.
func testTransactionsTimesAreExact(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	base := time.Date(2025, 3, 1, 9, 0, 0, 123456789, time.FixedZone("", 8*3600))
	j := newJournal(t, "T1")
	for _, ns := range []int{0, 1, 999, 1000} {
		j.Add(wire.Record{Kind: wire.KindQuote, TxnID: "q" + time.Duration(ns).String(), At: base.Add(time.Duration(ns))})
	}
	old := j.Add(wire.Record{Kind: wire.KindQuote, TxnID: "old", At: time.Date(1900, 1, 1, 0, 0, 0, 1, time.UTC)})
	apply(t, s, "T1", j.Entries...)
	cases := []struct {
		from, to time.Time
		want     []string
	}{
		{base.Add(1), base.Add(1000), []string{"q999ns", "q1ns"}},
		{base.Add(2), base.Add(999), []string{}},
		{base, base.Add(1), []string{"q0s"}},
		{time.Time{}, base, []string{"old"}},
	}
	for _, c := range cases {
		ts, err := s.Transactions(t.Context(), store.Filter{From: c.from, To: c.to})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(ts); !slices.Equal(got, c.want) {
			t.Fatalf("[%v, %v): got %v, want %v", c.from, c.to, got, c.want)
		}
	}
	ts, err := s.Transactions(t.Context(), store.Filter{})
	if err != nil || len(ts) != 5 {
		t.Fatalf("%d transactions, %v", len(ts), err)
	}
	if got, want := ts[1].At.Format(time.RFC3339Nano), base.Add(999).Format(time.RFC3339Nano); got != want {
		t.Fatalf("at %s, recorded %s: the terminal's time and zone must come back as recorded", got, want)
	}
	if rec, _ := wire.Open(old); !ts[4].At.Equal(rec.At) {
		t.Fatalf("old record at %v, recorded %v", ts[4].At, rec.At)
	}
}

func testTransactionsDefaultLimit(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	j := newJournal(t, "T1")
	for range 1001 {
		j.Quote("C1")
	}
	for i := 0; i < len(j.Entries); i += wire.MaxBatch {
		apply(t, s, "T1", j.Entries[i:min(i+wire.MaxBatch, len(j.Entries))]...)
	}
	ts, err := s.Transactions(t.Context(), store.Filter{})
	if err != nil || len(ts) != 1000 || ts[0].Seq != 1001 || ts[999].Seq != 2 {
		t.Fatalf("%d transactions (%v), want the newest 1000", len(ts), err)
	}
	if ts, _ := s.Transactions(t.Context(), store.Filter{Limit: 2000}); len(ts) != 1001 {
		t.Fatalf("limit 2000: %d transactions", len(ts))
	}
}

func testCardHistory(t *testing.T, open Opener) {
	s := querySetup(t, open)
	h, err := s.CardHistory(t.Context(), "C1", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range h {
		got = append(got, p.TxnID+"@"+p.Terminal+"/"+p.Pharmacy)
	}
	if want := []string{"d@T2/P1", "g@T3/P2"}; !slices.Equal(got, want) {
		t.Fatalf("history %v, want %v (oldest first, voided charge a left out)", got, want)
	}
	if d := h[0]; d.Account != 700 || !d.At.Equal(minute(15)) || len(d.Items) != 1 || d.Items[0].Code != "X" ||
		d.Items[0].Days != 14000 || d.Items[0].Qty != 2 {
		t.Fatalf("purchase d: %+v", d)
	}
	h, err = s.CardHistory(t.Context(), "C1", minute(35))
	if err != nil || len(h) != 1 || h[0].TxnID != "g" {
		t.Fatalf("since is inclusive: %+v %v", h, err)
	}
	for _, card := range []string{"C7", "C\x001", "C2x"} {
		if h, err := s.CardHistory(t.Context(), card, time.Time{}); err != nil || len(h) != 0 {
			t.Fatalf("card %q: %+v %v", card, h, err)
		}
	}
}

// A void in a later batch takes an already-reported charge out of history;
// a void on another terminal with the same txn id does not.
func testCardHistoryVoidInLaterBatch(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	enrol(t, s, "T2", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Charge("C1", 100)
	j.Charge("C1", 200)
	apply(t, s, "T1", j.Entries...)
	if h, _ := s.CardHistory(t.Context(), "C1", time.Time{}); len(h) != 2 {
		t.Fatalf("history before void: %+v", h)
	}
	other := newJournal(t, "T2")
	apply(t, s, "T2", other.Void("C1", "T1-2", 200))
	apply(t, s, "T1", j.Void("C1", "T1-1", 100))
	h, err := s.CardHistory(t.Context(), "C1", time.Time{})
	if err != nil || len(h) != 1 || h[0].TxnID != "T1-2" {
		t.Fatalf("history after void: %+v %v", h, err)
	}
}
