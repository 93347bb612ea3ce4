package centretest

import (
	"context"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// SeedTransactions enrols two terminals, T1 of pharmacy P1 and T2 of P2,
// and applies their records of 3 and 4 March 2025 in the centre's zone:
// T1's charges of 500 and 600 fen on card 1001, T2's charge of 700 on
// card 1002 flagged PRICE_ABOVE_CAP (review) and a quote. It returns the
// terminals' tokens by id.
func (c *Centre) SeedTransactions() map[string]string {
	t := c.T
	t.Helper()
	tokens := map[string]string{"T1": c.Enrol("T1", "P1"), "T2": c.Enrol("T2", "P2")}
	c.Accounts(map[string]int64{"1001": 10000, "1002": 10000})
	day1 := time.Date(2025, 3, 3, 10, 0, 0, 0, c.Location())
	day2 := day1.AddDate(0, 0, 1)
	ch1, ch2 := &Chain{Terminal: "T1"}, &Chain{Terminal: "T2"}
	ch1.Charge(t, "1001", 500, day1)
	ch1.Charge(t, "1001", 600, day2)
	flagged := wire.Record{Terminal: "T2", Kind: wire.KindCharge, TxnID: "T2-1", At: day1.Add(time.Hour),
		CardNo: "1002", Cashier: "c9", Total: 700, Account: 700,
		Lines:   []wire.Line{{Code: "X01", Qty: 1, UnitPrice: 700, Amount: 700, Account: 700}},
		Reasons: []policy.Reason{{Code: policy.PriceAboveCap, Severity: policy.Review, Message: "price", MessageZh: "价格"}}}
	ch2.Add(t, flagged)
	ch2.Add(t, wire.Record{Terminal: "T2", Kind: wire.KindQuote, At: day2, CardNo: "1002", Total: 50})
	for _, ch := range []*Chain{ch1, ch2} {
		if _, err := c.Store().Apply(context.Background(), ch.Terminal, ch.Entries, store.Judging{ReceivedAt: day2.Add(time.Hour), Zone: c.Location()}); err != nil {
			t.Fatal(err)
		}
	}
	return tokens
}

// SeedCharges enrols terminal at pharmacy and applies one charge of 100
// fen on card 2001 (given a large balance) at each of ats, seq 1 up; for
// tests that need many records of a pharmacy, such as review samples.
func (c *Centre) SeedCharges(terminal, pharmacy string, ats ...time.Time) {
	t := c.T
	t.Helper()
	c.Enrol(terminal, pharmacy)
	c.Accounts(map[string]int64{"2001": 1 << 40})
	ch := &Chain{Terminal: terminal}
	for _, at := range ats {
		ch.Charge(t, "2001", 100, at)
	}
	j := store.Judging{ReceivedAt: c.Now(), Zone: c.Location()}
	if _, err := c.Store().Apply(context.Background(), terminal, ch.Entries, j); err != nil {
		t.Fatal(err)
	}
}
