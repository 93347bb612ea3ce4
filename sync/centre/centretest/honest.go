package centretest

import (
	"context"
	"time"

	"posagent/internal/sample"
	"posagent/policy"
	"posagent/sync/wire"
)

// WhatIfLines are three sample drugs of 980 fen each that the sample
// rules pay wholly from the account, one per charge: for tests of the
// rules what-if, where a daily_amount below 1960 holds the second.
var WhatIfLines = []policy.Line{
	{Code: "D0004", Barcode: "6901234500042", Qty: 1, UnitPrice: 980},
	{Code: "D0006", Barcode: "6901234500066", Qty: 1, UnitPrice: 980},
	{Code: "D0007", Barcode: "6901234500073", Qty: 1, UnitPrice: 980},
}

// SeedHonestCharges enrols terminal at pharmacy and applies, through the
// centre, one charge per line on card (an account the store holds), at
// the given times (one per line), as an honest agent running the sample
// bundle published as version 1 (Options.Sample) writes them: the rules'
// own decision with the codes it required confirmed.
func (c *Centre) SeedHonestCharges(terminal, pharmacy, card string, lines []policy.Line, ats []time.Time) {
	t := c.T
	t.Helper()
	ctx := context.Background()
	c.Enrol(terminal, pharmacy)
	h, err := c.Store().Account(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	b := sample.Bundle(t, 1)
	ch := &Chain{Terminal: terminal}
	var hist []policy.Purchase
	for i, l := range lines {
		at := ats[i]
		d := policy.Evaluate(b, policy.Input{Now: at.In(c.Location()), Terminal: terminal, Pharmacy: pharmacy,
			Card: policy.Card{CardNo: card}, Holder: &h, Lines: []policy.Line{l}, History: policy.History{Purchases: hist}})
		ld := d.Lines[0]
		rec := wire.Record{Terminal: terminal, Kind: wire.KindCharge, TxnID: terminal + "-" + l.Code, At: at, CardNo: card,
			RulesVersion: 1, Total: d.Total, Account: d.AccountTotal, Cash: d.CashTotal, Confirmed: d.Required,
			Lines: []wire.Line{{Code: l.Code, Barcode: l.Barcode, Qty: l.Qty, UnitPrice: l.UnitPrice,
				Amount: ld.Amount, Account: ld.Account, Cash: ld.Cash, Days: ld.Days}}}
		ch.Add(t, rec)
		hist = append(hist, rec.Purchase(pharmacy))
	}
	if _, err := c.Centre().ApplyEntries(ctx, terminal, 0, ch.Entries); err != nil {
		t.Fatal(err)
	}
}
