package ledger

import (
	"slices"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/wire"
)

// whatIfDay is three honest charges of one card at one pharmacy on one
// day, 980 fen each from the account (three drugs), and a void of the last.
func whatIfDay(t *testing.T, b *policy.Bundle, void bool) []WhatIfRecord {
	holder := &policy.Holder{CardNo: "A1", PersonID: "110105196003150013", Status: policy.StatusActive, Balance: 500000, Diseases: []string{"E11"}}
	lines := []policy.Line{
		{Code: "D0004", Barcode: "6901234500042", Qty: 1, UnitPrice: 980},
		{Code: "D0006", Barcode: "6901234500066", Qty: 1, UnitPrice: 980},
		{Code: "D0007", Barcode: "6901234500073", Qty: 1, UnitPrice: 980},
	}
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, judgeZone)
	var out []WhatIfRecord
	var hist []policy.Purchase
	for i := range 3 {
		rec := honest(t, b, holder, at.Add(time.Duration(i)*time.Hour), hist, lines[i])
		rec.TxnID, rec.Seq = "c"+string(rune('1'+i)), uint64(i+1)
		hist = append(hist, rec.Purchase("P1"))
		out = append(out, WhatIfRecord{In: JudgeInput{Record: rec, Pharmacy: "P1", Received: rec.At, Zone: judgeZone,
			Bundle: b, Holder: holder}})
	}
	if void {
		rec := wire.Record{Kind: wire.KindVoid, Terminal: "T1", TxnID: "v1", Reverses: "c1", Seq: 4,
			At: at.Add(90 * time.Minute), CardNo: "A1", Account: 980, Total: 980}
		out = slices.Insert(out, 2, WhatIfRecord{In: JudgeInput{Record: rec, Pharmacy: "P1"}, Refunds: true})
	}
	return out
}

func TestWhatIfSameBundleChangesNothing(t *testing.T) {
	b := sampleBundle(t)
	rep := WhatIf(whatIfDay(t, b, false), b)
	if rep.Charges != 3 || rep.Changed != 0 || len(rep.Codes) != 0 {
		t.Fatalf("report = %+v, want 3 charges and no change", rep)
	}
	if len(rep.Totals) != 1 || rep.Totals[0].HeldBefore != 0 || rep.Totals[0].HeldAfter != 0 {
		t.Fatalf("totals = %+v", rep.Totals)
	}
}

func TestWhatIfTighterDailyAmountHoldsMore(t *testing.T) {
	b := sampleBundle(t)
	draft := *b
	draft.Rules.DailyAmount = 1500
	rep := WhatIf(whatIfDay(t, b, false), &draft)
	want := WhatIfRow{Pharmacy: "P1", Charges: 3, Before: 0, After: 2, Gained: 2, HeldBefore: 0, HeldAfter: 1960, Changed: 2}
	if rep.Changed != 2 || len(rep.Totals) != 1 || rep.Totals[0] != want {
		t.Fatalf("totals = %+v, want %+v", rep.Totals, want)
	}
	got := map[string]WhatIfRow{}
	for _, r := range rep.Codes {
		got[r.Code] = r
	}
	for _, c := range []string{string(policy.SplitDailyAmount), CodePolicyMismatch} {
		if r := got[c]; r.Gained != 2 || r.After != 2 || r.HeldAfter != 1960 || r.HeldDelta() != 1960 {
			t.Errorf("%s row = %+v, want 2 gained, 1960 held after", c, r)
		}
	}
	if draft.Version != b.Version || b.Rules.DailyAmount == 1500 {
		t.Fatal("the draft or the published bundle was changed")
	}
}

// A void replayed before a charge takes its charge out of the card's
// history: the third charge is then within the tightened amount.
func TestWhatIfVoidLeavesTheHistory(t *testing.T) {
	b := sampleBundle(t)
	draft := *b
	draft.Rules.DailyAmount = 2000
	rep := WhatIf(whatIfDay(t, b, false), &draft)
	if rep.Totals[0].HeldAfter != 980 {
		t.Fatalf("without the void: held after %d, want 980", rep.Totals[0].HeldAfter)
	}
	rep = WhatIf(whatIfDay(t, b, true), &draft)
	if rep.Charges != 3 || rep.Changed != 0 || rep.Totals[0].HeldAfter != 0 {
		t.Fatalf("with the void: %+v, want nothing held", rep)
	}
}

// A record naming a version never published is held whole on both sides:
// the draft stands in for published rules only.
func TestWhatIfUnknownVersionStaysUnknown(t *testing.T) {
	b := sampleBundle(t)
	recs := whatIfDay(t, b, false)[:1]
	recs[0].In.Bundle = nil
	draft := *b
	draft.Rules.DailyAmount = 1
	rep := WhatIf(recs, &draft)
	if rep.Changed != 0 || rep.Totals[0].HeldBefore != 980 || rep.Totals[0].HeldAfter != 980 {
		t.Fatalf("report = %+v", rep)
	}
}
