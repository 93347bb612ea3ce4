package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// Apply applies a terminal's entries in one transaction: records, balances
// and the terminal's chain state commit together or not at all. What
// happens to each entry is ledger.Decide's, ledger.Judge's and
// ledger.Settle's decision, taken in entry order exactly as the embedded
// store takes it:
//
//   - Duplicate (seq ≤ AckedSeq, stored with the same hash): skipped; for a
//     charge or void its stored settlement is returned again.
//   - Conflict (seq ≤ AckedSeq, stored with another hash): skipped, no
//     settlement; the stored record gains CHAIN_BROKEN and a warning is
//     logged.
//   - A late entry (seq ≤ AckedSeq, not stored) is applied once, flagged
//     CHAIN_BROKEN; AckedSeq does not move.
//   - A refused entry (ledger.ErrRefused) fails the whole batch.
//
// An unknown terminal is an error wrapping ErrNotFound. The transaction
// takes the same few round trips whatever the batch's size (see applier).
// Findings are logged (Warn) once it has committed.
func (s *Store) Apply(ctx context.Context, terminal string, entries []wire.Entry, j store.Judging) (store.ApplyResult, error) {
	if err := ctx.Err(); err != nil {
		return store.ApplyResult{}, fmt.Errorf("apply %s: %w", terminal, err)
	}
	if !storable(terminal) {
		return store.ApplyResult{}, fmt.Errorf("apply %s: terminal: %w", terminal, store.ErrNotFound)
	}
	var a *applier
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if a, err = newApplier(ctx, tx, terminal, entries, j); err != nil {
			return err
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := a.decide(e); err != nil {
				return err
			}
		}
		if err := a.loadAccounts(ctx); err != nil {
			return err
		}
		if err := a.settle(); err != nil {
			return err
		}
		return a.write(ctx)
	})
	if err != nil {
		return store.ApplyResult{}, fmt.Errorf("apply %s: %w", terminal, err)
	}
	for _, f := range a.findings {
		s.log.Warn(f.msg, "terminal", terminal, "seq", f.seq, "txn_id", f.txnID, "flags", f.flags)
	}
	return store.ApplyResult{AckedSeq: a.chain.AckedSeq, Results: a.results}, nil
}

// finding is something supervisors' logs should show, logged after commit.
type finding struct {
	msg   string
	seq   uint64
	txnID string
	flags []string
}
