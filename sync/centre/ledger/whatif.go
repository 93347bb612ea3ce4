package ledger

import (
	"slices"
	"sort"

	"posagent/policy"
	"posagent/sync/wire"
)

// A rules what-if (SPEC §11) replays a period's stored charges twice, in
// time order, with the centre's own re-judging (Judge, Settle): once with
// the bundle each record names ("before") and once with a draft bundle in
// its place ("after"), and reports per pharmacy and per code what differs.
// Both sides are replayed from the same inputs, so a draft equal to the
// published rules changes nothing; the difference is the rules' alone,
// not the order in which records happened to reach the centre.
//
// Inputs shared by both sides: the record, its pharmacy, when it was
// received, its card proof and whether its counter was used, whether its
// txn_id repeated, and the card's account as it stood before the charge
// (the balance as stored then, so OVERDRAFT judges alike). The card's
// history is what the store holds from before the period plus the
// period's own charges replayed earlier on the same side that count
// against the patient: not held on that side, not voided by a void
// replayed before, not a repeated txn_id.

// WhatIfRecord is one stored record of the period, as the replay needs it.
type WhatIfRecord struct {
	// In is the record's judging input as apply would build it, with
	// Bundle the published bundle the record names (nil: never
	// published), Holder the card's account before it (nil: none), and
	// History the card's purchases from before the period only. The
	// replay sets Policy, the bundle of its side, its staleness window
	// and the period's part of the history. A void needs only Record.
	In JudgeInput
	// Refunds is true for a void that refunded its charge (stored without
	// VOID_UNMATCHED or VOID_REPEATED): from it on, the charge is out of
	// the card's history.
	Refunds bool
}

// WhatIfRow is one line of the report: a pharmacy, and either one code
// (a reason code of the rules or a centre finding) or "" for all of the
// pharmacy's charges. Amounts are fen.
type WhatIfRow struct {
	Pharmacy string `json:"pharmacy"`
	Code     string `json:"code,omitempty"`
	// Charges is how many charges the row covers: all of the pharmacy's
	// (Code ""), or those carrying Code on either side.
	Charges int `json:"charges"`
	// Before and After count the charges carrying Code on each side
	// (Code "": charges with something held).
	Before int `json:"before"`
	After  int `json:"after"`
	// Gained and Lost count charges that carry Code (something held,
	// for Code "") after but not before, and before but not after.
	Gained int `json:"gained"`
	Lost   int `json:"lost"`
	// HeldBefore and HeldAfter are the account fen held of the charges
	// the row covers, on each side.
	HeldBefore int64 `json:"held_before"`
	HeldAfter  int64 `json:"held_after"`
	// Changed counts the row's charges whose held amount or codes differ.
	Changed int `json:"changed"`
}

// HeldDelta is HeldAfter − HeldBefore.
func (r WhatIfRow) HeldDelta() int64 { return r.HeldAfter - r.HeldBefore }

// WhatIfReport is a what-if's outcome.
type WhatIfReport struct {
	Charges int `json:"charges"` // charges replayed
	Changed int `json:"changed"` // charges whose held amount or codes differ
	// Totals has one row per pharmacy (Code ""), by pharmacy; Codes the
	// rows per pharmacy and code whose counts or amounts differ, by
	// pharmacy then code.
	Totals []WhatIfRow `json:"totals"`
	Codes  []WhatIfRow `json:"codes"`
}

// verdict is one side's outcome for a charge.
type verdict struct {
	held  int64
	codes []string
}

// WhatIf replays recs (time order) with the bundles they name and with
// draft, and reports what differs. It is pure.
func WhatIf(recs []WhatIfRecord, draft *policy.Bundle) WhatIfReport {
	before := replay(recs, func(in JudgeInput) *policy.Bundle { return in.Bundle })
	after := replay(recs, func(in JudgeInput) *policy.Bundle {
		if in.Bundle == nil { // a version never published stays unknown
			return nil
		}
		d := *draft
		d.Version, d.IssuedAt = in.Bundle.Version, in.Bundle.IssuedAt
		return &d
	})
	totals := map[string]*WhatIfRow{}
	codes := map[[2]string]*WhatIfRow{}
	var rep WhatIfReport
	for i, r := range recs {
		b, ok := before[i]
		if !ok {
			continue
		}
		a := after[i]
		ph := r.In.Pharmacy
		t := totals[ph]
		if t == nil {
			t = &WhatIfRow{Pharmacy: ph}
			totals[ph] = t
		}
		changed := b.held != a.held || !slices.Equal(b.codes, a.codes)
		rep.Charges++
		count(t, b.held > 0, a.held > 0, b, a, changed)
		if changed {
			rep.Changed++
		}
		for _, c := range union(b.codes, a.codes) {
			k := [2]string{ph, c}
			row := codes[k]
			if row == nil {
				row = &WhatIfRow{Pharmacy: ph, Code: c}
				codes[k] = row
			}
			count(row, slices.Contains(b.codes, c), slices.Contains(a.codes, c), b, a, changed)
		}
	}
	for _, t := range totals {
		rep.Totals = append(rep.Totals, *t)
	}
	for _, c := range codes {
		if c.Before != c.After || c.Gained+c.Lost > 0 || c.HeldBefore != c.HeldAfter {
			rep.Codes = append(rep.Codes, *c)
		}
	}
	sort.Slice(rep.Totals, func(i, j int) bool { return rep.Totals[i].Pharmacy < rep.Totals[j].Pharmacy })
	sort.Slice(rep.Codes, func(i, j int) bool {
		x, y := rep.Codes[i], rep.Codes[j]
		if x.Pharmacy != y.Pharmacy {
			return x.Pharmacy < y.Pharmacy
		}
		return x.Code < y.Code
	})
	return rep
}

// count adds one charge to a row: in says whether it carries the row's
// mark on each side.
func count(row *WhatIfRow, inBefore, inAfter bool, b, a verdict, changed bool) {
	row.Charges++
	row.HeldBefore += b.held
	row.HeldAfter += a.held
	if inBefore {
		row.Before++
	}
	if inAfter {
		row.After++
	}
	if inAfter && !inBefore {
		row.Gained++
	}
	if inBefore && !inAfter {
		row.Lost++
	}
	if changed {
		row.Changed++
	}
}

// replay judges and settles the charges of recs in order with the bundle
// bundle gives each, building the period's history as it goes; it
// returns each charge's verdict by index.
func replay(recs []WhatIfRecord, bundle func(JudgeInput) *policy.Bundle) map[int]verdict {
	out := make(map[int]verdict, len(recs))
	period := map[string][]periodCharge{} // card → the period's charges that counted when made
	type ref struct {
		card string
		i    int // index in period[card]
	}
	charges := map[[2]string]ref{} // (terminal, txn_id) → its purchase
	for i, r := range recs {
		rec := r.In.Record
		key := [2]string{rec.Terminal, rec.TxnID}
		if rec.Kind == wire.KindVoid {
			if c, ok := charges[[2]string{rec.Terminal, rec.Reverses}]; ok && r.Refunds {
				period[c.card][c.i].refunded = true
			}
			continue
		}
		if rec.Kind != wire.KindCharge {
			continue
		}
		in := r.In
		in.Policy = true
		in.Bundle = bundle(r.In)
		if in.Bundle != nil { // as apply does: the staleness window is the bundle's
			in.StaleAfterH = in.Bundle.Rules.StaleAfterH
		}
		in.History = append(slices.Clip(r.In.History), counted(period[rec.CardNo])...)
		var h *policy.Holder
		if r.In.Holder != nil {
			c := *r.In.Holder
			h = &c
		}
		j := Judge(in)
		eff, err := Settle(rec, h, j)
		if err != nil { // a balance that would overflow: judged as held whole
			eff = Effect{Held: rec.Account}
		}
		v := verdict{held: eff.Held, codes: verdictCodes(in, j, eff)}
		out[i] = v
		if v.held == 0 && rec.CardNo != "" && !in.SeenTxn {
			if _, seen := charges[key]; !seen {
				charges[key] = ref{card: rec.CardNo, i: len(period[rec.CardNo])}
			}
			period[rec.CardNo] = append(period[rec.CardNo], periodCharge{p: rec.Purchase(r.In.Pharmacy)})
		}
	}
	return out
}

// periodCharge is a charge of the period that counted against the
// patient when it was made; refunded once a void of it is replayed.
type periodCharge struct {
	p        policy.Purchase
	refunded bool
}

// counted is the purchases of a card's period charges that still count.
func counted(cs []periodCharge) []policy.Purchase {
	out := make([]policy.Purchase, 0, len(cs))
	for _, c := range cs {
		if !c.refunded {
			out = append(out, c.p)
		}
	}
	return out
}

// verdictCodes is the sorted set of a charge's codes on one side: the
// centre's findings and flags, and the reason codes the rules give it
// (transaction and lines) when its bundle is known.
func verdictCodes(in JudgeInput, j Judgement, eff Effect) []string {
	codes := append(j.Codes(), eff.Flags...)
	if in.Bundle != nil && in.Bundle.Version == in.Record.RulesVersion {
		d := evaluate(in, seenBefore(in.History, in.Record.At))
		for _, r := range d.Reasons {
			codes = append(codes, string(r.Code))
		}
		for _, l := range d.Lines {
			for _, r := range l.Reasons {
				codes = append(codes, string(r.Code))
			}
		}
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

// union is the sorted union of two sorted sets.
func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
