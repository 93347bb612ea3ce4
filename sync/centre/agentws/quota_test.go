package agentws_test

import (
	"testing"
	"time"

	"posagent/sync/centre/agentws"
	"posagent/sync/centre/centretest"
	"posagent/sync/wire"
)

// TestTerminalOverItsDailyQuotaIsNotApplied: a terminal flooding the
// ledger with entries is stopped at its daily quota: the batch past it is
// refused whole (OVER_QUOTA), nothing of it is applied, and the next day
// its outbox is taken again. Resent entries do not count.
func TestTerminalOverItsDailyQuotaIsNotApplied(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{RecordChecksOnly: true, EntryQuota: 5})
	tok := c.Enrol("T1", "P1")
	c.Accounts(map[string]int64{"1001": 100000})
	ch := &centretest.Chain{Terminal: "T1"}
	for i := range 8 {
		ch.Charge(t, "1001", 100, c.Now().Add(-time.Hour+time.Duration(i)*time.Minute))
	}
	a := c.Connect("T1", tok)
	a.Hello(0, 0, 0)
	if ack := a.SendEntries(ch.Entries[:5]); ack.AckedSeq != 5 {
		t.Fatalf("first five: ack %+v", ack)
	}
	if ack := a.SendEntries(ch.Entries[:5]); ack.AckedSeq != 5 { // resent: not counted
		t.Fatalf("resent five: ack %+v", ack)
	}
	a.Send(wire.Message{Type: wire.TypeEntries, Entries: ch.Entries[5:]})
	a.ExpectClosedWith(agentws.CodeOverQuota)
	if got := c.Terminal("T1").AckedSeq; got != 5 || c.Balance("1001") != 100000-500 {
		t.Fatalf("after the refused batch: acked %d, balance %d; want 5 and 99500", got, c.Balance("1001"))
	}

	c.Clock.Advance(24 * time.Hour)
	a = c.Connect("T1", tok)
	a.Hello(8, 0, 0)
	if ack := a.SendEntries(ch.Entries[5:]); ack.AckedSeq != 8 || c.Balance("1001") != 100000-800 {
		t.Fatalf("next day: ack %+v, balance %d", ack, c.Balance("1001"))
	}
}
