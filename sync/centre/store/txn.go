package store

import (
	"slices"
	"time"

	"posagent/policy"
	"posagent/sync/wire"
)

// TxnOf is the supervisors' view of a record: the terminal's record as its
// body says, with what the centre decided when it applied it (the flags,
// the balance after it) and when the centre received it. Reasons are the
// record's transaction-level reasons followed by each line's; flags are
// never nil. Every store builds its Txn with it, at Apply and when it
// reads a record back, so all agree.
func TxnOf(rec wire.Record, pharmacy string, received time.Time, flags []string, balanceAfter int64) Txn {
	reasons := append([]policy.Reason{}, rec.Reasons...)
	for _, l := range rec.Lines {
		reasons = append(reasons, l.Reasons...)
	}
	if flags == nil {
		flags = []string{}
	}
	settled := "centre"
	if rec.Offline {
		settled = "offline"
	}
	return Txn{
		Terminal: rec.Terminal, Pharmacy: pharmacy, Seq: rec.Seq, TxnID: rec.TxnID,
		Kind: rec.Kind, At: rec.At, ReceivedAt: received, CardNo: rec.CardNo,
		Cashier: rec.Cashier, Total: rec.Total, Account: rec.Account, Cash: rec.Cash,
		Reasons: reasons, Flags: flags, Settled: settled, BalanceAfter: balanceAfter,
		Reverses: rec.Reverses, Presence: presenceOf(rec),
	}
}

// Settlement is what the agent is told about a charge or void: its seq,
// id, the balance after it and the centre's flags (a copy; nil for none).
func (t Txn) Settlement() wire.Settlement {
	s := wire.Settlement{Seq: t.Seq, TxnID: t.TxnID, BalanceAfter: t.BalanceAfter}
	if len(t.Flags) > 0 {
		s.Flags = slices.Clone(t.Flags)
	}
	return s
}
