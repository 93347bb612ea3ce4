package pgstore

import (
	"encoding/json"
	"fmt"
	"time"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// storedTxn rebuilds the view of a stored record from its row, with
// store.TxnOf as Apply did when it filled the row's columns.
func storedTxn(body []byte, pharmacy string, received time.Time, flags []string, balanceAfter int64) (store.Txn, error) {
	var rec wire.Record
	if err := json.Unmarshal(body, &rec); err != nil {
		return store.Txn{}, fmt.Errorf("stored body: %w", err)
	}
	return store.TxnOf(rec, pharmacy, received, flags, balanceAfter), nil
}

// settlement is what the agent is told about a charge or void.
func settlement(seq uint64, txnID string, balanceAfter int64, flags []string) wire.Settlement {
	return store.Txn{Seq: seq, TxnID: txnID, BalanceAfter: balanceAfter, Flags: flags}.Settlement()
}
