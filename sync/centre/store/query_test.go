package store

import (
	"slices"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/wire"
)

// querySetup: two pharmacies, three terminals, records at known minutes
// after t0 (txn id in brackets).
//
//	T1 (P1): 10 charge C1 [a] · 20 quote C2 · 30 charge C2 [b] · 40 void of a [c]
//	T2 (P1): 15 charge C1 with a review reason on a line [d] · 25 charge C3 [e]
//	T3 (P2): 05 charge on unknown card C9, BLOCKED_AT_SYNC [f] · 35 charge C1 [g]
func querySetup(t *testing.T) *Bolt {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	enrol(t, s, "T2", "P1")
	enrol(t, s, "T3", "P2")
	importAccounts(t, s, active("C1", 10000), active("C2", 10000), active("C3", 10000))
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

	j1 := newJournal(t, "T1")
	j1.add(wire.Record{Kind: wire.KindCharge, TxnID: "a", CardNo: "C1", Account: 500, At: at(10)})
	j1.add(wire.Record{Kind: wire.KindQuote, CardNo: "C2", At: at(20)})
	j1.add(wire.Record{Kind: wire.KindCharge, TxnID: "b", CardNo: "C2", Account: 300, At: at(30)})
	j1.add(wire.Record{Kind: wire.KindVoid, TxnID: "c", CardNo: "C1", Reverses: "a", Account: 500, At: at(40)})
	apply(t, s, "T1", j1.entries...)

	j2 := newJournal(t, "T2")
	review := policy.Reason{Code: policy.SplitDailyCount, Severity: policy.Review}
	j2.add(wire.Record{Kind: wire.KindCharge, TxnID: "d", CardNo: "C1", Account: 700, At: at(15),
		Lines: []wire.Line{{Code: "X", Qty: 2, Days: 14000, Reasons: []policy.Reason{review}}}})
	j2.add(wire.Record{Kind: wire.KindCharge, TxnID: "e", CardNo: "C3", Account: 100, At: at(25)})
	apply(t, s, "T2", j2.entries...)

	j3 := newJournal(t, "T3")
	j3.add(wire.Record{Kind: wire.KindCharge, TxnID: "f", CardNo: "C9", Account: 900, At: at(5)})
	j3.add(wire.Record{Kind: wire.KindCharge, TxnID: "g", CardNo: "C1", Account: 50, At: at(35)})
	apply(t, s, "T3", j3.entries...)
	return s
}

func TestTransactionsFilters(t *testing.T) {
	s := querySetup(t)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	cases := []struct {
		name string
		f    Filter
		want []string // txn ids (quotes have none: "-"), newest first
	}{
		{"all", Filter{}, []string{"c", "g", "b", "e", "-", "d", "a", "f"}},
		{"limit", Filter{Limit: 3}, []string{"c", "g", "b"}},
		{"pharmacy", Filter{Pharmacy: "P2"}, []string{"g", "f"}},
		{"terminal", Filter{Terminal: "T1"}, []string{"c", "b", "-", "a"}},
		{"card", Filter{CardNo: "C1"}, []string{"c", "g", "d", "a"}},
		{"card at one pharmacy", Filter{CardNo: "C1", Pharmacy: "P1"}, []string{"c", "d", "a"}},
		{"kind", Filter{Kind: wire.KindQuote}, []string{"-"}},
		{"flagged", Filter{Flagged: true}, []string{"d", "f"}},
		{"from", Filter{From: at(30)}, []string{"c", "g", "b"}},
		{"to is exclusive", Filter{To: at(30)}, []string{"e", "-", "d", "a", "f"}},
		{"window on a terminal", Filter{Terminal: "T1", From: at(20), To: at(40)}, []string{"b", "-"}},
		{"window on a card", Filter{CardNo: "C1", From: at(10), To: at(36)}, []string{"g", "d", "a"}},
		{"nothing", Filter{Terminal: "T0"}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, err := s.Transactions(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, x := range ts {
				id := x.TxnID
				if id == "" {
					id = "-"
				}
				got = append(got, id)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestTransactionsShowFlagsAndReasons(t *testing.T) {
	s := querySetup(t)
	ts, err := s.Transactions(ctx, Filter{Flagged: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || len(ts[0].Reasons) != 1 || ts[0].Reasons[0].Code != policy.SplitDailyCount ||
		!slices.Equal(ts[1].Flags, []string{wire.FlagBlockedAtSync}) {
		t.Fatalf("flagged: %+v", ts)
	}
}

func TestCardHistoryAcrossTerminalsWithoutVoided(t *testing.T) {
	s := querySetup(t)
	h, err := s.CardHistory(ctx, "C1", time.Time{})
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
	if d := h[0]; d.Account != 700 || len(d.Items) != 1 || d.Items[0].Days != 14000 || d.Items[0].Qty != 2 {
		t.Fatalf("purchase d: %+v", d)
	}
	h, err = s.CardHistory(ctx, "C1", t0.Add(16*time.Minute))
	if err != nil || len(h) != 1 || h[0].TxnID != "g" {
		t.Fatalf("since: %+v %v", h, err)
	}
	if h, err := s.CardHistory(ctx, "C7", time.Time{}); err != nil || len(h) != 0 {
		t.Fatalf("unknown card: %+v %v", h, err)
	}
}

// A void in a later batch takes an already-reported charge out of history.
func TestCardHistoryVoidInLaterBatch(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.charge("C1", 100)
	j.charge("C1", 200)
	apply(t, s, "T1", j.entries...)
	if h, _ := s.CardHistory(ctx, "C1", time.Time{}); len(h) != 2 {
		t.Fatalf("history before void: %+v", h)
	}
	apply(t, s, "T1", j.void("C1", "T1-1", 100))
	h, err := s.CardHistory(ctx, "C1", time.Time{})
	if err != nil || len(h) != 1 || h[0].TxnID != "T1-2" {
		t.Fatalf("history after void: %+v %v", h, err)
	}
}
