package storetest

import (
	"slices"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
)

var queueTests = []test{
	{"ListsWhatAFullScanFinds", testQueueMatchesFullScan},
}

// testQueueMatchesFullScan checks the review queue's lists (flagged, held
// awaiting a ruling; for the region, a pharmacy, a terminal, a period)
// against a scan of every record, before and after rulings take records
// out of the held queue (accepted, refused) or leave them in it
// (deferred). A store that answers the queue from an index must
// find exactly what the scan finds, newest first.
func testQueueMatchesFullScan(t *testing.T, open Opener) {
	s := open(t)
	FillQueue(t, s, 3000)
	check := func(stage string, nonEmpty bool) {
		t.Helper()
		all, err := s.Transactions(t.Context(), store.Filter{Limit: 10000})
		if err != nil || len(all) != 3000 {
			t.Fatalf("%s: all records: %d, %v", stage, len(all), err)
		}
		from, to := QueueStart.Add(10*time.Minute), QueueStart.Add(40*time.Minute)
		for _, f := range []store.Filter{
			{Flagged: true}, {Held: true},
			{Flagged: true, Pharmacy: QueuePharmacy(1)}, {Held: true, Pharmacy: QueuePharmacy(1)},
			{Flagged: true, Terminal: queueTerminal(3)}, {Held: true, Terminal: queueTerminal(3)},
			{Flagged: true, From: from, To: to}, {Held: true, Pharmacy: QueuePharmacy(2), From: from, To: to},
			{Flagged: true, CardNo: "Q000000"}, {Held: true, Flagged: true},
			{Flagged: true, Cashier: "C02"}, {Cashier: "C01", Pharmacy: QueuePharmacy(4)},
			{Code: string(policy.SplitDailyAmount)}, {Code: string(policy.PriceAboveCap), Flagged: true},
			{Code: ledger.CodeBadArithmetic, Pharmacy: QueuePharmacy(0)}, {Held: true, Code: ledger.CodeBadArithmetic},
			{Flagged: true, MinAccount: 2000}, {MinAccount: 1500, MaxAccount: 2500}, {Held: true, MaxAccount: 1000},
		} {
			var want []store.Txn
			for _, x := range all {
				if (!f.Flagged || x.Flagged()) && (!f.Held || store.AwaitsRuling(x.Hold)) &&
					(f.Pharmacy == "" || x.Pharmacy == f.Pharmacy) && (f.Terminal == "" || x.Terminal == f.Terminal) &&
					(f.CardNo == "" || x.CardNo == f.CardNo) && (f.Cashier == "" || x.Cashier == f.Cashier) &&
					(f.Code == "" || hasCode(x, f.Code)) &&
					x.Account >= f.MinAccount && (f.MaxAccount == 0 || x.Account <= f.MaxAccount) &&
					(f.From.IsZero() || !x.At.Before(f.From)) && (f.To.IsZero() || x.At.Before(f.To)) {
					want = append(want, x)
				}
			}
			f.Limit = 10000
			got, err := s.Transactions(t.Context(), f)
			if err != nil {
				t.Fatalf("%s: %+v: %v", stage, f, err)
			}
			if (nonEmpty && len(want) == 0) || !slices.EqualFunc(got, want, sameRecord) {
				t.Errorf("%s: %+v: %d records %v, want the %d a scan finds %v", stage, f, len(got), ids(got), len(want), ids(want))
			}
		}
	}
	check("as stored", true) // every list has records: the test can fail
	held, err := s.Transactions(t.Context(), store.Filter{Held: true, Limit: 10000})
	if err != nil || len(held) < 10 {
		t.Fatalf("held: %d, %v", len(held), err)
	}
	actions := []string{ledger.RulingAccept, ledger.RulingRefuse, ledger.RulingDefer, ""}
	for i, x := range held {
		a := actions[i%len(actions)]
		if a == "" {
			continue // some stay held
		}
		req := store.RulingRequest{Terminal: x.Terminal, Seq: x.Seq, Action: a, By: "sup", Note: "reviewed",
			At: QueueStart.Add(48 * time.Hour), SecondReviewAmount: 50000}
		if _, err := s.Rule(t.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	check("after rulings", false)
}

// sameRecord reports whether two listed records are the same record.
func sameRecord(a, b store.Txn) bool { return a.Terminal == b.Terminal && a.Seq == b.Seq }

// hasCode is store.Txn.HasCode written out again, so the test does not
// trust what it checks: a flag, or a reason's code.
func hasCode(x store.Txn, code string) bool {
	if slices.Contains(x.Flags, code) {
		return true
	}
	for _, r := range x.Reasons {
		if string(r.Code) == code {
			return true
		}
	}
	return false
}
