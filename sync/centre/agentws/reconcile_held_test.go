package agentws_test

import (
	"testing"
	"time"

	"posagent/sync/centre/centretest"
	"posagent/sync/wire"
)

// TestReconciliationCountsHeldApart: a day with a held charge still
// matches the agent's journal (both count what the records claim), and the
// centre's summary tells the held fen apart.
func TestReconciliationCountsHeldApart(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true})
	tok := c.Enrol("T1", "P001")
	a := c.Connect("T1", tok)
	a.Hello(0, 1, 0)
	now := c.Now()
	ch := &centretest.Chain{Terminal: "T1"}
	cold := wire.Line{Code: "D0006", Barcode: "6901234500066", Qty: 1, UnitPrice: 980, Amount: 980, Account: 980, Days: 3000}
	honest := wire.Record{Terminal: "T1", Kind: wire.KindCharge, TxnID: "a", At: now.Add(-30 * time.Minute), CardNo: "A00000001",
		RulesVersion: 1, Total: 980, Account: 980, Lines: []wire.Line{cold}}
	forged := honest
	forged.TxnID, forged.At = "b", now.Add(-10*time.Minute)
	forged.Lines = []wire.Line{{Code: "D0015", Barcode: "6901234500158", Qty: 1, UnitPrice: 19800, Amount: 19800, Account: 19800}}
	forged.Total, forged.Account = 19800, 19800
	ch.Add(t, honest)
	ch.Add(t, forged)
	if ack := a.SendEntries(ch.Entries); ack.AckedSeq != 2 {
		t.Fatalf("ack %+v", ack)
	}
	_, from, to := wire.DayBounds(now, c.Location())
	var items []wire.DayItem
	for _, r := range ch.Recs {
		items = append(items, wire.ItemOf(r))
	}
	sum := wire.SummariseDay("T1", from, to, items)
	res := a.Reconcile("r1", sum)
	if !res.Match || res.Centre.Account != 980+19800 || res.Centre.Held != 19800 {
		t.Fatalf("result %+v: want a match, account 20780 claimed, 19800 held", res)
	}
}
