package policy

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// earlier is a purchase at clock ("15:04") on a day relative to now's
// (0 = today), paying account fen from the account.
func earlier(day int, clock string, account int64) Purchase {
	at := at(now.AddDate(0, 0, day).Format(time.DateOnly) + " " + clock)
	return Purchase{TxnID: "T" + clock, At: at, Pharmacy: "P3", Total: account, Account: account,
		Items: []PurchaseItem{{Code: vitaminC, Qty: 1}}}
}

// patternCase is one sale with its card's history and the transaction
// codes it must get.
type patternCase struct {
	name    string
	rules   func(*Rules)
	change  func(*Input)
	history []Purchase
	want    []Code
}

func runPatternCases(t *testing.T, tests []patternCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := testBundle(t)
			if tc.rules != nil {
				b = withRules(t, tc.rules)
			}
			in := sale(ln(vitaminC, 10, 500)) // 50 yuan
			in.History.Purchases = tc.history
			if tc.change != nil {
				tc.change(&in)
			}
			d := evaluate(t, b, in)
			want := tc.want
			if want == nil {
				want = []Code{}
			}
			if got := codes(d.Reasons); !slices.Equal(got, want) {
				t.Fatalf("reasons %v, want %v", got, want)
			}
		})
	}
}

func TestDailyCountAndAmount(t *testing.T) {
	runPatternCases(t, []patternCase{
		{name: "3rd purchase in a day passes",
			history: []Purchase{earlier(0, "08:10", 5000), earlier(0, "09:00", 5000)}},
		{name: "4th purchase in a day refused",
			history: []Purchase{earlier(0, "08:10", 5000), earlier(0, "08:40", 5000), earlier(0, "09:00", 5000)},
			want:    []Code{SplitDailyCount}},
		{name: "purchases yesterday evening do not count today",
			history: []Purchase{earlier(-1, "20:00", 5000), earlier(-1, "23:30", 5000), earlier(-1, "23:59", 5000)}},
		{name: "just after local midnight counts as today",
			history: []Purchase{earlier(-1, "23:59", 5000), earlier(0, "00:01", 5000), earlier(0, "00:02", 5000), earlier(0, "07:00", 5000)},
			want:    []Code{SplitDailyCount}},
		{name: "daily amount reached exactly passes",
			history: []Purchase{earlier(0, "08:30", 55000)}},
		{name: "daily amount exceeded by 1 fen refused",
			history: []Purchase{earlier(0, "08:30", 55001)},
			want:    []Code{SplitDailyAmount}},
		{name: "cash-only earlier purchases do not add to the amount",
			history: []Purchase{earlier(0, "08:30", 0), {At: at("2025-03-12 09:00"), Total: 80000}}},
		{name: "daily count 0 turns the count off",
			rules:   func(r *Rules) { r.DailyCount = 0 },
			history: []Purchase{earlier(0, "08:10", 10), earlier(0, "08:40", 10), earlier(0, "09:00", 10), earlier(0, "09:30", 10)}},
	})
}

func TestDailyEvidence(t *testing.T) {
	in := sale(ln(vitaminC, 10, 500))
	in.History = History{Partial: true, Purchases: []Purchase{
		earlier(0, "08:10", 20000), earlier(0, "08:40", 20000), earlier(0, "09:00", 20000)}}
	d := evaluate(t, testBundle(t), in)
	count, _ := find(d.Reasons, SplitDailyCount)
	if count.Evidence["count"] != int64(3) || count.Evidence["limit"] != int64(3) || count.Evidence["partial_history"] != true {
		t.Errorf("SPLIT_DAILY_COUNT evidence %v", count.Evidence)
	}
	amount, _ := find(d.Reasons, SplitDailyAmount)
	if amount.Evidence["earlier_account"] != int64(60000) || amount.Evidence["account"] != int64(5000) ||
		amount.Evidence["total"] != int64(65000) || amount.Evidence["limit"] != int64(60000) {
		t.Errorf("SPLIT_DAILY_AMOUNT evidence %v", amount.Evidence)
	}
}

// TestAuditedSplittingCase replays the audited case: one buyer, 15
// purchases, 3036 yuan, one day.
func TestAuditedSplittingCase(t *testing.T) {
	t.Run("15 purchases 3036 yuan in one day: refused from the 4th", func(t *testing.T) {
		amounts := []int64{18000, 18000, 18000} // 540 yuan, then 12 × 208 = 2496 yuan
		for range 12 {
			amounts = append(amounts, 20800)
		}
		var hist []Purchase
		var sum, paid int64
		for n, amount := range amounts {
			in := sale(ln(vitaminC, amount/400, 400))
			in.Now = at("2025-03-12 09:00").Add(time.Duration(n) * 25 * time.Minute)
			in.History.Purchases = hist
			d := evaluate(t, testBundle(t), in)
			_, refused := find(d.Reasons, SplitDailyCount)
			if refused != (n >= 3) || (d.AccountTotal == 0) != (n >= 3) {
				t.Fatalf("purchase %d: refused %v, account %d, reasons %v", n+1, refused, d.AccountTotal, codes(d.Reasons))
			}
			if r, _ := find(d.Reasons, SplitDailyCount); refused && r.Evidence["count"] != int64(n) {
				t.Fatalf("purchase %d: evidence %v", n+1, r.Evidence)
			}
			sum += d.Total
			paid += d.AccountTotal
			hist = append(hist, Purchase{TxnID: fmt.Sprint(n), At: in.Now, Total: d.Total, Account: d.AccountTotal,
				Items: []PurchaseItem{{Code: vitaminC, Qty: in.Lines[0].Qty}}})
		}
		if sum != 303600 || paid != 54000 {
			t.Fatalf("day total %d, paid from the account %d; want 303600 and 54000", sum, paid)
		}
	})
}

func TestStructuring(t *testing.T) {
	high := func(r *Rules) { r.DailyAmount = 1_000_000 }
	justUnder := func(in *Input) { in.Lines[0].Qty = 90 } // 450 yuan
	runPatternCases(t, []patternCase{
		{name: "third purchase just under 500 yuan in a day is flagged", rules: high, change: justUnder,
			history: []Purchase{earlier(0, "08:30", 45000), earlier(0, "09:10", 48000)},
			want:    []Code{SplitStructuring, IDCheckRequired}},
		{name: "third purchase well under the cap is not structuring", rules: high,
			history: []Purchase{earlier(0, "08:30", 45000), earlier(0, "09:10", 48000)}},
		{name: "two purchases at exactly the cap and 400 yuan count", rules: high, change: justUnder,
			history: []Purchase{earlier(0, "08:30", 50000), earlier(0, "09:10", 40000)},
			want:    []Code{SplitStructuring, IDCheckRequired}},
		{name: "amounts over the cap are not structuring", rules: high, change: justUnder,
			history: []Purchase{earlier(0, "08:30", 50001), earlier(0, "09:10", 39999)},
			want:    []Code{IDCheckRequired}},
	})
}

func TestCardHoarding(t *testing.T) {
	swipes := func(n int, ago time.Duration) []Swipe {
		var s []Swipe
		for i := range n {
			s = append(s, Swipe{CardNo: fmt.Sprintf("20000000%d", i), At: now.Add(-ago)})
		}
		return s
	}
	runPatternCases(t, []patternCase{
		{name: "8 cards in 10 minutes is hoarding",
			change: func(in *Input) { in.Swipes = append(swipes(7, 5*time.Minute), Swipe{CardNo: in.Card.CardNo, At: now}) },
			want:   []Code{CardHoarding, IDCheckRequired}},
		{name: "7 cards in 10 minutes is a busy counter",
			change: func(in *Input) { in.Swipes = swipes(6, 5*time.Minute) }},
		{name: "cards read 11 minutes ago do not count",
			change: func(in *Input) { in.Swipes = swipes(7, 11*time.Minute) }},
		{name: "one card read many times is one card",
			change: func(in *Input) {
				for range 20 {
					in.Swipes = append(in.Swipes, Swipe{CardNo: "300000001", At: now.Add(-time.Minute)})
				}
			}},
	})
}

func TestOffHours(t *testing.T) {
	runPatternCases(t, []patternCase{
		{name: "sale at 21:59 passes", change: func(in *Input) { in.Now = at("2025-03-12 21:59") }},
		{name: "sale at 22:30 is off hours and needs an identity check",
			change: func(in *Input) { in.Now = at("2025-03-12 22:30") },
			want:   []Code{OffHours, IDCheckRequired}},
		{name: "sale at 07:59 is off hours",
			change: func(in *Input) { in.Now = at("2025-03-12 07:59") },
			want:   []Code{OffHours, IDCheckRequired}},
		{name: "24-hour pharmacy open 20:00-02:00 sells at 01:00",
			rules: func(r *Rules) { r.BusinessHours = "20:00-02:00" }, change: func(in *Input) { in.Now = at("2025-03-12 01:00") }},
		{name: "hours are read in the pharmacy's zone, not UTC",
			change: func(in *Input) { in.Now = at("2025-03-12 23:00").In(time.UTC) }, // 15:00 UTC
			want:   []Code{}},
	})
}

func TestRulesStale(t *testing.T) {
	offline := func(contactAgo time.Duration) func(*Input) {
		return func(in *Input) {
			in.Offline = true
			if contactAgo > 0 {
				in.LastContact = now.Add(-contactAgo)
			}
		}
	}
	// The test bundle was issued on 2025-03-01 08:00, 266 hours before now.
	runPatternCases(t, []patternCase{
		{name: "offline 71 hours passes", change: offline(71 * time.Hour)},
		{name: "offline 73 hours is stale", change: offline(73 * time.Hour), want: []Code{RulesStale}},
		{name: "never reached the centre and the bundle is 11 days old", change: offline(0), want: []Code{RulesStale}},
		{name: "online with old rules is not stale", change: func(in *Input) { in.LastContact = now.Add(-1000 * time.Hour) }},
		{name: "a fresh bundle counts even without contact",
			change: func(in *Input) { in.Offline = true; in.Now = at("2025-03-03 08:00") }},
	})
	in := sale(ln(vitaminC, 10, 500))
	offline(100 * time.Hour)(&in)
	d := evaluate(t, testBundle(t), in)
	r, _ := find(d.Reasons, RulesStale)
	if d.AccountTotal != 0 || r.Evidence["age_h"] != int64(100) || r.Evidence["stale_after_h"] != int64(72) {
		t.Fatalf("account %d, evidence %v", d.AccountTotal, r.Evidence)
	}
}

func TestIDCheck(t *testing.T) {
	tests := []struct {
		name     string
		lines    []Line
		change   func(*Input)
		want     bool
		triggers []string
	}{
		{"200 yuan from the account needs an identity check", []Line{ln(vitaminC, 40, 500)}, nil, true, []string{}},
		{"199.99 yuan does not", []Line{ln(vitaminC, 40, 500), ln(angelica, 1, 1)}, func(in *Input) {
			in.Lines[0].Qty, in.Lines[1].UnitPrice = 39, 499
		}, false, nil},
		{"300 yuan of protein powder in cash does not", []Line{ln(proteinPowd, 1, 30000)}, nil, false, nil},
		{"a blocked card does not", []Line{ln(vitaminC, 40, 500)}, func(in *Input) { in.Holder.Status = "lost" }, false, nil},
		{"a small sale after hours does", []Line{ln(vitaminC, 1, 500)}, func(in *Input) { in.Now = at("2025-03-12 23:00") },
			true, []string{"OFF_HOURS"}},
		{"an overlap set to review triggers it", []Line{ln(coldMedicine, 2, 900)}, func(in *Input) {
			in.History.Purchases = []Purchase{bought(1, coldMedicine, 2, 6)}
		}, true, []string{"SPLIT_SUPPLY_OVERLAP"}},
	}
	b := withRules(t, func(r *Rules) { r.Severities[SplitSupplyOverlap] = Review })
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := sale(tc.lines...)
			if tc.change != nil {
				tc.change(&in)
			}
			d := evaluate(t, b, in)
			r, got := find(d.Reasons, IDCheckRequired)
			if got != tc.want || slices.Contains(d.Required, IDCheckRequired) != tc.want {
				t.Fatalf("ID_CHECK_REQUIRED %v (required %v), want %v", got, d.Required, tc.want)
			}
			if got && !slices.Equal(r.Evidence["triggers"].([]string), tc.triggers) {
				t.Fatalf("triggers %v, want %v", r.Evidence["triggers"], tc.triggers)
			}
		})
	}
}

func TestRequiredIsDeduplicated(t *testing.T) {
	b := withRules(t, func(r *Rules) {
		r.Severities[RxRequired] = Confirm
		r.Severities[OffHours] = Confirm
	})
	noRx := ln(amoxicillin, 1, 1000)
	noRx.RxID = ""
	noRx2 := ln(tadalafil, 1, 4500)
	noRx2.RxID = ""
	in := sale(noRx, noRx2, ln(vitaminC, 40, 500))
	in.Now = at("2025-03-12 23:00")
	d := evaluate(t, b, in)
	want := []Code{OffHours, IDCheckRequired, ApprovalRequired, RxRequired}
	if !slices.Equal(d.Required, want) {
		t.Fatalf("required %v, want %v", d.Required, want)
	}
	if d.AccountTotal != 1000+3600+20000 {
		t.Fatalf("confirm codes must not change money: account %d", d.AccountTotal)
	}
}
