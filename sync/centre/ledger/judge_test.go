package ledger

import (
	"slices"
	"testing"
	"time"

	"posagent/internal/sample"
	"posagent/policy"
	"posagent/sync/wire"
)

// sampleBundle is the repository's sample catalogue and rules as
// version 7.
func sampleBundle(t testing.TB) *policy.Bundle { return sample.Bundle(t, 7) }

var judgeZone = time.FixedZone("CST", 8*3600)

// honest builds the record an honest agent writes for a cart: the rules'
// own decision, with the codes it required confirmed.
func honest(t testing.TB, b *policy.Bundle, h *policy.Holder, at time.Time, hist []policy.Purchase, lines ...policy.Line) wire.Record {
	t.Helper()
	d := policy.Evaluate(b, policy.Input{Now: at.In(judgeZone), Terminal: "T1", Pharmacy: "P1",
		Card: policy.Card{CardNo: h.CardNo}, Holder: h, Lines: lines, History: policy.History{Purchases: hist}})
	rec := wire.Record{Kind: wire.KindCharge, Terminal: "T1", TxnID: "x", At: at, CardNo: h.CardNo,
		RulesVersion: b.Version, Total: d.Total, Account: d.AccountTotal, Cash: d.CashTotal, Confirmed: d.Required}
	for i, l := range lines {
		ld := d.Lines[i]
		rec.Lines = append(rec.Lines, wire.Line{Code: l.Code, Barcode: l.Barcode, Qty: l.Qty, UnitPrice: l.UnitPrice, RxID: l.RxID,
			Amount: ld.Amount, Account: ld.Account, Cash: ld.Cash, Days: ld.Days})
	}
	return rec
}

// forged turns every line of a record into an all-account line, as a
// dishonest terminal writes it: no reasons, nothing in cash.
func forged(rec wire.Record) wire.Record {
	rec.Lines = slices.Clone(rec.Lines)
	rec.Account, rec.Cash = 0, 0
	for i := range rec.Lines {
		l := &rec.Lines[i]
		l.Account, l.Cash, l.Reasons = l.Amount, 0, nil
		rec.Account += l.Amount
	}
	rec.Confirmed = nil
	return rec
}

func TestJudge(t *testing.T) {
	b := sampleBundle(t)
	holder := &policy.Holder{CardNo: "A1", PersonID: "110105196003150013", Status: policy.StatusActive, Balance: 500000, Diseases: []string{"E11"}}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, judgeZone)
	metformin := policy.Line{Code: "D0001", Barcode: "6901234500011", Qty: 1, UnitPrice: 2500, RxID: "RX1"}
	powder := policy.Line{Code: "D0015", Barcode: "6901234500158", Qty: 1, UnitPrice: 19800}
	cold := policy.Line{Code: "D0006", Barcode: "6901234500066", Qty: 1, UnitPrice: 980}
	in := func(rec wire.Record, hist []policy.Purchase) JudgeInput {
		return JudgeInput{Record: rec, Pharmacy: "P1", Received: at.Add(time.Minute), Zone: judgeZone,
			Policy: true, Bundle: b, Holder: holder, History: hist}
	}
	// Three earlier purchases today at another pharmacy: the daily count.
	var today []policy.Purchase
	for i := range 3 {
		today = append(today, policy.Purchase{TxnID: "o" + string(rune('a'+i)), At: at.Add(-time.Duration(3-i) * time.Hour),
			Pharmacy: "P9", Terminal: "T9", Total: 980, Account: 980, Items: []policy.PurchaseItem{{Code: "D0006", Qty: 1, Days: 3000}}})
	}

	cases := []struct {
		name    string
		in      JudgeInput
		codes   []string
		allowed int64
	}{
		{"honest charge", in(honest(t, b, holder, at, nil, metformin, powder), nil), nil, 2500},
		{"health food paid from the account", in(forged(honest(t, b, holder, at, nil, metformin, powder)), nil),
			[]string{CodePolicyMismatch}, 2500},
		{"honest fourth charge of the day is cash", in(honest(t, b, holder, at, today, cold), today), nil, 0},
		{"forged fourth charge of the day", in(forged(honest(t, b, holder, at, today, cold)), today),
			[]string{CodePolicyMismatch}, 0},
		{"offline agent could not see the other pharmacy", func() JudgeInput {
			rec := forged(honest(t, b, holder, at, nil, cold))
			rec.Offline = true
			return in(rec, today)
		}(), []string{CodeOfflinePartialHistory}, 0},
		{"unknown rules version", func() JudgeInput {
			i := in(honest(t, b, holder, at, nil, metformin), nil)
			i.Record.RulesVersion = 99
			return i
		}(), []string{CodeUnknownRulesVersion}, 0},
		{"rules version published after the sale", func() JudgeInput {
			i := in(honest(t, b, holder, at, nil, metformin), nil)
			later := *b
			later.IssuedAt = at.Add(time.Hour)
			i.Bundle = &later
			return i
		}(), []string{CodeUnknownRulesVersion}, 0},
		{"repeated txn_id", func() JudgeInput {
			i := in(honest(t, b, holder, at, nil, metformin), nil)
			i.SeenTxn = true
			return i
		}(), []string{CodeDuplicateTxn}, 2500},
		{"dated seven months ahead", func() JudgeInput {
			i := in(honest(t, b, holder, at, nil, metformin), nil)
			i.Received = at.AddDate(0, -7, 0)
			return i
		}(), []string{CodeFutureDated}, 2500},
		{"rules not run: only the record's own checks", func() JudgeInput {
			i := in(forged(honest(t, b, holder, at, nil, powder)), nil)
			i.Policy = false
			return i
		}(), nil, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := Judge(c.in)
			if got := j.Codes(); !slices.Equal(got, c.codes) && !(len(got) == 0 && len(c.codes) == 0) {
				t.Fatalf("codes %v, want %v (%+v)", got, c.codes, j.Findings)
			}
			if c.allowed >= 0 && j.Allowed != c.allowed {
				t.Fatalf("allowed %d, want %d", j.Allowed, c.allowed)
			}
		})
	}
}

func TestCheckVoidSameLocalDay(t *testing.T) {
	charge := time.Date(2026, 3, 2, 23, 50, 0, 0, judgeZone)
	void := wire.Record{Kind: wire.KindVoid, CardNo: "A1", Account: 500, At: charge.Add(5 * time.Minute)}
	tgt := VoidTarget{Found: true, CardNo: "A1", Account: 500, At: charge}
	if f := CheckVoid(void, tgt, judgeZone); f != "" {
		t.Fatalf("same day: %q", f)
	}
	void.At = charge.Add(15 * time.Minute) // 00:05 the next day in Beijing
	if f := CheckVoid(void, tgt, judgeZone); f != wire.FlagVoidUnmatched {
		t.Fatalf("next day: %q, want VOID_UNMATCHED", f)
	}
	void.At = charge.AddDate(0, -10, 0)
	tgt.At = time.Time{} // a charge stored before its time was kept: not judged
	if f := CheckVoid(void, tgt, judgeZone); f != "" {
		t.Fatalf("unknown charge time: %q", f)
	}
}
