package policy

import (
	"fmt"
	"testing"
	"time"
)

// bought is an earlier purchase of qty units of code with days of supply
// (whole days), daysAgo days before now.
func bought(daysAgo float64, code string, qty, days int64) Purchase {
	at := now.Add(-time.Duration(daysAgo * float64(24*time.Hour)))
	return Purchase{
		TxnID: fmt.Sprintf("T%d", at.Unix()), At: at, Pharmacy: "P2", Terminal: "T9",
		Total: 2000 * qty, Account: 2000 * qty,
		Items: []PurchaseItem{{Code: code, Qty: qty, Days: days * 1000}},
	}
}

func TestSupplyOverlap(t *testing.T) {
	tests := []struct {
		name    string
		in      Input
		history []Purchase
		trips   bool
	}{
		{"metformin refill 10 days into a 30-day supply", diabetic(ln(metformin, 1, 2000)),
			[]Purchase{bought(10, metformin, 1, 30)}, true},
		{"metformin refill after 22 days (73% used)", diabetic(ln(metformin, 1, 2000)),
			[]Purchase{bought(22, metformin, 1, 30)}, true},
		{"metformin refill after 22.5 days (75% used) passes", diabetic(ln(metformin, 1, 2000)),
			[]Purchase{bought(22.5, metformin, 1, 30)}, false},
		{"metformin refill after 23 days passes", diabetic(ln(metformin, 1, 2000)),
			[]Purchase{bought(23, metformin, 1, 30)}, false},
		{"two cold-medicine purchases a week apart pass", sale(ln(coldMedicine, 2, 900)),
			[]Purchase{bought(7, coldMedicine, 2, 6)}, false},
		{"cold medicine again the next day", sale(ln(coldMedicine, 2, 900)),
			[]Purchase{bought(1, coldMedicine, 2, 6)}, true},
		{"ibuprofen bought yesterday does not stop cold medicine", sale(ln(coldMedicine, 2, 900)),
			[]Purchase{bought(1, ibuprofen, 1, 5)}, false},
		{"three weekly refills of a 30-day supply stack up", diabetic(ln(metformin, 1, 2000)),
			[]Purchase{bought(21, metformin, 1, 30), bought(14, metformin, 1, 30), bought(7, metformin, 1, 30)}, true},
		{"metformin 30 days ago split over two lines of one purchase", diabetic(ln(metformin, 1, 2000)),
			[]Purchase{{At: now.Add(-5 * 24 * time.Hour), Items: []PurchaseItem{
				{Code: metformin, Qty: 1, Days: 30000}, {Code: metformin, Qty: 1, Days: 30000}}}}, true},
		{"a purchase older than history_days is not looked at", sale(ln(ibuprofen, 1, 1200)),
			[]Purchase{bought(91, ibuprofen, 1, 200)}, false},
		{"vitamin C has no days limit and is never an overlap", sale(ln(vitaminC, 1, 450)),
			[]Purchase{{At: now.Add(-time.Hour), Items: []PurchaseItem{{Code: vitaminC, Qty: 5, Days: 0}}}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.History.Purchases = tc.history
			d := evaluate(t, testBundle(t), tc.in)
			_, got := find(d.Lines[0].Reasons, SplitSupplyOverlap)
			if got != tc.trips {
				t.Fatalf("SPLIT_SUPPLY_OVERLAP %v, want %v (reasons %v)", got, tc.trips, codes(d.Lines[0].Reasons))
			}
			if got && d.Lines[0].Account != 0 {
				t.Fatalf("overlapping line paid %d from the account", d.Lines[0].Account)
			}
		})
	}
}

func TestSupplyOverlapEvidence(t *testing.T) {
	in := diabetic(ln(metformin, 1, 2000))
	in.History = History{Purchases: []Purchase{bought(10, metformin, 1, 30)}, Partial: true}
	d := evaluate(t, testBundle(t), in)
	r, ok := find(d.Lines[0].Reasons, SplitSupplyOverlap)
	if !ok {
		t.Fatal("no SPLIT_SUPPLY_OVERLAP")
	}
	want := map[string]any{
		"code": metformin, "last_purchase_at": "2025-03-02T10:00:00+08:00", "remaining_days": "20",
		"supply_days": "30", "threshold_bp": int64(7500), "partial_history": true,
	}
	for k, v := range want {
		if r.Evidence[k] != v {
			t.Errorf("evidence %s = %v (%T), want %v", k, r.Evidence[k], r.Evidence[k], v)
		}
	}
}

// TestYearOfRefills walks a year of monthly refills, each decided against
// every earlier purchase, and checks none is refused.
func TestYearOfRefills(t *testing.T) {
	patterns := map[string][]int{
		"diabetic 30-day metformin every 28 days for a year passes":      {28},
		"diabetic 30-day metformin every 28-31 days for a year passes":   {28, 31, 29, 30, 28, 28, 31},
		"diabetic 30-day metformin monthly on the 1st for a year passes": nil, // calendar months
	}
	for name, gaps := range patterns {
		t.Run(name, func(t *testing.T) {
			var hist []Purchase
			when := at("2024-01-01 09:30")
			for n := 0; n < 14; n++ {
				in := diabetic(ln(metformin, 1, 2000))
				in.Now, in.History.Purchases = when, hist
				d := evaluate(t, testBundle(t), in)
				if d.AccountTotal != 2000 || len(allReasons(d)) != 0 {
					t.Fatalf("refill %d on %s: account %d, reasons %v", n+1, when.Format(time.DateOnly), d.AccountTotal, codes(allReasons(d)))
				}
				hist = append(hist, Purchase{TxnID: fmt.Sprint(n), At: when, Account: d.AccountTotal,
					Items: []PurchaseItem{{Code: metformin, Qty: 1, Days: d.Lines[0].Days}}})
				if gaps == nil {
					when = when.AddDate(0, 1, 0)
				} else {
					when = when.AddDate(0, 0, gaps[n%len(gaps)])
				}
			}
		})
	}
}

func TestUnsortedHistoryIsSorted(t *testing.T) {
	in := diabetic(ln(metformin, 1, 2000))
	// Newest first: the 5-days-ago purchase is the last one.
	in.History.Purchases = []Purchase{bought(5, metformin, 1, 30), bought(60, metformin, 1, 30)}
	d := evaluate(t, testBundle(t), in)
	r, ok := find(d.Lines[0].Reasons, SplitSupplyOverlap)
	if !ok || r.Evidence["remaining_days"] != "25" {
		t.Fatalf("reason %v %+v", ok, r.Evidence)
	}
	if in.History.Purchases[0].At.After(in.History.Purchases[1].At) == false {
		t.Fatal("Evaluate reordered the caller's history")
	}
}

// TestRefillsStackUpOverAYearLongWindow shows why history_days bounds the
// walk: with a year-long window, refilling a 30-day supply every 28 days
// banks 2 days a month and is refused once more than a week is banked.
func TestRefillsStackUpOverAYearLongWindow(t *testing.T) {
	b := withRules(t, func(r *Rules) { r.HistoryDays = 365 })
	var hist []Purchase
	when := at("2024-01-01 09:30")
	for n := 1; n <= 14; n++ {
		in := diabetic(ln(metformin, 1, 2000))
		in.Now, in.History.Purchases = when, hist
		d := evaluate(t, b, in)
		_, tripped := find(d.Lines[0].Reasons, SplitSupplyOverlap)
		if tripped != (n >= 5) { // banked 2×(n−1) + 2 days > 7.5 from the 5th
			t.Fatalf("refill %d: overlap %v", n, tripped)
		}
		hist = append(hist, Purchase{At: when, Items: []PurchaseItem{{Code: metformin, Qty: 1, Days: 30000}}})
		when = when.AddDate(0, 0, 28)
	}
}

// TestWatchlist: 5 packs of vitamin C (no days of supply) a day is caught
// once the card's units in the window pass the watch limit; weekly buyers
// and unwatched items are untouched.
func TestWatchlist(t *testing.T) {
	b := withRules(t, func(r *Rules) { r.Watch = map[string]WatchRule{vitaminC: {Qty: 20, Days: 7}} })
	var hist []Purchase
	tripped := 0
	for day := range 11 {
		in := sale(ln(vitaminC, 5, 450))
		in.Now = at("2025-03-01 10:00").AddDate(0, 0, day)
		in.History.Purchases = hist
		d := evaluate(t, b, in)
		r, ok := find(d.Lines[0].Reasons, WatchlistLimit)
		if ok != (day >= 4) { // 4 days × 5 = 20 earlier units: the 5th day's packs go over
			t.Fatalf("day %d: WATCHLIST_LIMIT %v (reasons %v)", day+1, ok, codes(d.Lines[0].Reasons))
		}
		if ok {
			tripped++
			if d.Lines[0].Account != 0 || r.Severity != Block || r.Evidence["earlier"] != int64(5*min(day, 7)) ||
				r.Evidence["qty"] != int64(5) || r.Evidence["limit"] != int64(20) || r.Evidence["days"] != int64(7) {
				t.Fatalf("day %d: account %d, %s %v", day+1, d.Lines[0].Account, r.Severity, r.Evidence)
			}
		}
		hist = append(hist, Purchase{At: in.Now, Account: d.AccountTotal, Items: []PurchaseItem{{Code: vitaminC, Qty: 5}}})
	}
	if tripped != 7 {
		t.Fatalf("caught on %d of 11 days, want 7", tripped)
	}

	// Honest: 5 packs once a week, and an unwatched drug daily.
	hist = nil
	for week := range 8 {
		in := sale(ln(vitaminC, 5, 450), ln(coldMedicine, 1, 900))
		in.Now = at("2025-01-06 10:00").AddDate(0, 0, 7*week)
		in.History.Purchases = hist
		d := evaluate(t, b, in)
		if len(allReasons(d)) != 0 {
			t.Fatalf("week %d: reasons %v", week+1, codes(allReasons(d)))
		}
		hist = append(hist, Purchase{At: in.Now, Items: []PurchaseItem{{Code: vitaminC, Qty: 5}, {Code: coldMedicine, Qty: 1, Days: 3000}}})
	}
}

// TestWatchlistCountsTheCart: a cart that splits a watched code over
// lines is caught at the line that goes over.
func TestWatchlistCountsTheCart(t *testing.T) {
	b := withRules(t, func(r *Rules) { r.Watch = map[string]WatchRule{vitaminC: {Qty: 6, Days: 30}} })
	d := evaluate(t, b, sale(ln(vitaminC, 4, 450), ln(vitaminC, 3, 450)))
	if _, ok := find(d.Lines[0].Reasons, WatchlistLimit); ok {
		t.Fatal("first line (4 of 6) caught")
	}
	if _, ok := find(d.Lines[1].Reasons, WatchlistLimit); !ok || d.Lines[1].Account != 0 {
		t.Fatalf("second line (7 of 6): %v, account %d", codes(d.Lines[1].Reasons), d.Lines[1].Account)
	}
}

// TestHistoryOrderWithinASecond: purchases in the same second out of
// nanosecond order are still sorted before the supply walk.
func TestHistoryOrderWithinASecond(t *testing.T) {
	base := now.Add(-5 * 24 * time.Hour)
	ps := []Purchase{
		{At: base.Add(900 * time.Millisecond), Items: []PurchaseItem{{Code: metformin, Qty: 1, Days: 30000}}},
		{At: base.Add(100 * time.Millisecond), Items: []PurchaseItem{{Code: metformin, Qty: 1, Days: 30000}}},
	}
	got := sortedHistory(ps)
	if !got[0].At.Before(got[1].At) || ps[0].At.Before(ps[1].At) {
		t.Fatalf("sorted %v, caller's %v", []time.Time{got[0].At, got[1].At}, []time.Time{ps[0].At, ps[1].At})
	}
}
