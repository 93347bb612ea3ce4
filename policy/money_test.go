package policy

import (
	"testing"
	"time"
)

// money is the expected split of each line.
type money struct{ amount, account, cash int64 }

func checkMoney(t *testing.T, d Decision, want []money) {
	t.Helper()
	for i, w := range want {
		l := d.Lines[i]
		if (money{l.Amount, l.Account, l.Cash}) != w {
			t.Errorf("line %d (%s): amount/account/cash %d/%d/%d, want %d/%d/%d (reasons %v)",
				i, l.Code, l.Amount, l.Account, l.Cash, w.amount, w.account, w.cash, codes(l.Reasons))
		}
	}
}

func TestLineMoney(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want []money
	}{
		{"ibuprofen at its cap is all account", sale(ln(ibuprofen, 1, 1500)), []money{{1500, 1500, 0}}},
		{"ibuprofen 3 yuan above its cap: 3 yuan cash", sale(ln(ibuprofen, 1, 1800)), []money{{1800, 1500, 300}}},
		{"atorvastatin class B: 10% self-pay", sale(ln(atorvastatin, 1, 3500)), []money{{3500, 3150, 350}}},
		{"self-pay rounds up to the fen", sale(ln(atorvastatin, 1, 3333)), []money{{3333, 2999, 334}}},
		{"class B above the cap: excess then self-pay of the rest",
			sale(ln(atorvastatin, 1, 5000)), []money{{5000, 3600, 1400}}},
		{"mixed basket: only health food goes to cash",
			sale(ln(ibuprofen, 1, 1200), ln(proteinPowd, 1, 19800), ln(vitaminC, 2, 450)),
			[]money{{1200, 1200, 0}, {19800, 0, 19800}, {900, 900, 0}}},
		{"zero-price line is worth nothing", sale(ln(vitaminC, 1, 0)), []money{{0, 0, 0}}},
		{"negative quantity does not panic and pays nothing", sale(ln(vitaminC, -3, 450)), []money{{0, 0, 0}}},
		{"absurd price is clamped, not overflowed",
			sale(ln(vitaminC, 1<<40, 1<<40)), []money{{maxFen, 0, maxFen}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkMoney(t, evaluate(t, testBundle(t), tc.in), tc.want)
		})
	}
}

func TestPriceAboveCapEvidence(t *testing.T) {
	d := evaluate(t, testBundle(t), sale(ln(angelica, 2, 600)))
	r, ok := find(d.Lines[0].Reasons, PriceAboveCap)
	if !ok || r.Severity != Review || r.Evidence["excess"] != int64(600) || r.Evidence["price_cap"] != int64(300) {
		t.Fatalf("reason %+v", r)
	}
	checkMoney(t, d, []money{{1200, 600, 600}})
}

func TestSeverityFromTheBundle(t *testing.T) {
	// A region that blocks any price above the cap: the whole line is cash.
	b := withRules(t, func(r *Rules) { r.Severities[PriceAboveCap] = Block })
	d := evaluate(t, b, sale(ln(ibuprofen, 1, 1800), ln(vitaminC, 1, 450)))
	checkMoney(t, d, []money{{1800, 0, 1800}, {450, 450, 0}})
	// A region that only reviews health food: it is paid, and flagged.
	b = withRules(t, func(r *Rules) {
		r.Severities[ItemForbidden] = Review
		r.Severities[ItemNotCovered] = Confirm
	})
	d = evaluate(t, b, sale(ln(proteinPowd, 1, 9900)))
	checkMoney(t, d, []money{{9900, 9900, 0}})
	if len(d.Required) != 1 || d.Required[0] != ItemNotCovered {
		t.Fatalf("required %v", d.Required)
	}
}

// twoLines is a cart of two 12-yuan lines paid in full from the account.
func twoLines() []Line { return []Line{ln(ibuprofen, 1, 1200), ln(angelica, 4, 300)} }

func TestBalance(t *testing.T) {
	tests := []struct {
		name    string
		balance int64
		want    []money
		reason  bool
	}{
		{"balance covers the sale", 2400, []money{{1200, 1200, 0}, {1200, 1200, 0}}, false},
		{"short by 5 yuan: the last line pays it in cash", 1900, []money{{1200, 1200, 0}, {1200, 700, 500}}, true},
		{"short by more than a line: reduced from the last line backward", 1000, []money{{1200, 1000, 200}, {1200, 0, 1200}}, true},
		{"negative balance pays nothing", -50, []money{{1200, 0, 1200}, {1200, 0, 1200}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := sale(twoLines()...)
			in.Holder.Balance = tc.balance
			d := evaluate(t, testBundle(t), in)
			checkMoney(t, d, tc.want)
			r, ok := find(d.Reasons, BalanceInsufficient)
			if ok != tc.reason {
				t.Fatalf("BALANCE_INSUFFICIENT %v, want %v", ok, tc.reason)
			}
			if ok && (r.Evidence["balance"] != tc.balance || r.Evidence["wanted"] != int64(2400) || r.Severity != Review) {
				t.Fatalf("reason %+v", r)
			}
		})
	}
}

func TestOfflineLimit(t *testing.T) {
	tests := []struct {
		name               string
		cardUsed, termUsed int64
		account            int64
		reason             bool
	}{
		{"first offline sale within the card limit", 0, 0, 2400, false},
		{"card limit nearly used: the rest is cash", 19000, 0, 1000, true},
		{"card limit used up: all cash", 20000, 0, 0, true},
		{"terminal limit nearly used: the rest is cash", 0, 499000, 1000, true},
		{"usage above the limit pays nothing", 30000, 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := sale(twoLines()...)
			in.Offline, in.LastContact = true, now.Add(-time.Hour)
			in.OfflineCardUsed, in.OfflineTerminalUsed = tc.cardUsed, tc.termUsed
			d := evaluate(t, testBundle(t), in)
			if d.AccountTotal != tc.account {
				t.Fatalf("account %d, want %d", d.AccountTotal, tc.account)
			}
			r, ok := find(d.Reasons, OfflineLimit)
			if ok != tc.reason {
				t.Fatalf("OFFLINE_LIMIT %v, want %v", ok, tc.reason)
			}
			if ok && (r.Evidence["allowed"] != tc.account || r.Evidence["card_limit"] != int64(20000) ||
				r.Evidence["terminal_used"] != tc.termUsed) {
				t.Fatalf("evidence %v", r.Evidence)
			}
		})
	}
	// Online, the offline usage does not matter.
	in := sale(ln(ibuprofen, 1, 1200))
	in.OfflineCardUsed = 50000
	if d := evaluate(t, testBundle(t), in); d.AccountTotal != 1200 {
		t.Fatalf("online sale limited: account %d", d.AccountTotal)
	}
}

func TestMoneyOrderOfflineBeforeBalance(t *testing.T) {
	// Offline room 1500 and balance 1000: the balance is the tighter and
	// both reasons are recorded, offline first.
	in := sale(twoLines()...)
	in.Offline, in.LastContact = true, now.Add(-time.Hour)
	in.OfflineCardUsed = 18500
	in.Holder.Balance = 1000
	d := evaluate(t, testBundle(t), in)
	checkMoney(t, d, []money{{1200, 1000, 200}, {1200, 0, 1200}})
	got := codes(d.Reasons)
	if len(got) != 2 || got[0] != OfflineLimit || got[1] != BalanceInsufficient {
		t.Fatalf("reasons %v", got)
	}
}

func TestNilBundleSendsEverythingToCash(t *testing.T) {
	d := evaluate(t, nil, sale(ln(ibuprofen, 1, 1200)))
	if d.AccountTotal != 0 || d.Lines[0].Reasons[0].Code != ItemNotCovered {
		t.Fatalf("nil bundle: %+v", d)
	}
}
