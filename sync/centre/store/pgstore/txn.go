package pgstore

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// newTxn is the supervisors' view of a record: the terminal's record as
// its body says, with what the centre decided when it applied it. Reasons
// are the record's transaction-level reasons followed by each line's. Apply
// uses it to fill the columns, the queries to rebuild the view, so both
// agree, and agree with the embedded store.
func newTxn(rec wire.Record, pharmacy string, received time.Time, flags []string, balanceAfter int64) store.Txn {
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
	return store.Txn{
		Terminal: rec.Terminal, Pharmacy: pharmacy, Seq: rec.Seq, TxnID: rec.TxnID,
		Kind: rec.Kind, At: rec.At, ReceivedAt: received, CardNo: rec.CardNo,
		Cashier: rec.Cashier, Total: rec.Total, Account: rec.Account, Cash: rec.Cash,
		Reasons: reasons, Flags: flags, Settled: settled, BalanceAfter: balanceAfter,
		Reverses: rec.Reverses,
	}
}

// storedTxn rebuilds the view of a stored record from its row.
func storedTxn(body []byte, pharmacy string, received time.Time, flags []string, balanceAfter int64) (store.Txn, error) {
	var rec wire.Record
	if err := json.Unmarshal(body, &rec); err != nil {
		return store.Txn{}, fmt.Errorf("stored body: %w", err)
	}
	return newTxn(rec, pharmacy, received, flags, balanceAfter), nil
}

// settlement is what the agent is told about a charge or void.
func settlement(seq uint64, txnID string, balanceAfter int64, flags []string) wire.Settlement {
	s := wire.Settlement{Seq: seq, TxnID: txnID, BalanceAfter: balanceAfter}
	if len(flags) > 0 {
		s.Flags = slices.Clone(flags)
	}
	return s
}
