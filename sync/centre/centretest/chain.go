package centretest

import (
	"fmt"
	"testing"
	"time"

	"posagent/sync/wire"
	"posagent/sync/wire/wiretest"
)

// Chain builds properly chained entries of one terminal, from seq 1, as
// its journal would (wiretest.Next), with the times the test gives:
// Recs[i] sealed is Entries[i], seq i+1.
type Chain struct {
	Terminal string
	Recs     []wire.Record
	Entries  []wire.Entry
}

// Charge adds a charge of account fen paid from card's account at at,
// one line of item X001.
func (ch *Chain) Charge(t testing.TB, card string, account int64, at time.Time) wire.Entry {
	t.Helper()
	seq := uint64(len(ch.Entries) + 1)
	rec := wire.Record{Terminal: ch.Terminal, Seq: seq, Kind: wire.KindCharge,
		TxnID: fmt.Sprintf("%s-%d", ch.Terminal, seq), At: at, CardNo: card, Cashier: "c1",
		RulesVersion: 1, Total: account, Account: account,
		Lines: []wire.Line{{Code: "X001", Qty: 1, UnitPrice: account, Amount: account, Account: account, Days: 1000}}}
	return ch.Add(t, rec)
}

// Add seals rec as the next entry: its seq and prev_hash are set.
func (ch *Chain) Add(t testing.TB, rec wire.Record) wire.Entry {
	t.Helper()
	rec, e := wiretest.Next(t, ch.Entries, rec)
	ch.Recs = append(ch.Recs, rec)
	ch.Entries = append(ch.Entries, e)
	return e
}
