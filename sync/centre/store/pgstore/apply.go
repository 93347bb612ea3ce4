package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"posagent/policy"
	"posagent/sync/centre/ledger"
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

// RuleHold records a supervisor's ruling on the hold of the charge at
// (terminal, seq) in one transaction (see store.Store): accepted, the held
// fen are taken from the card's account (ledger.Rule) and a later void
// refunds all of the charge; refused, nothing moves. The terminal's row is
// locked first (shared), as Apply locks it, so a ruling waits for the
// terminal's apply in flight and cannot deadlock with it; the record's row
// is locked next, so of two rulings on one charge only the first finds a
// hold; the account's row last, before the record changes, as Apply locks
// it before it reads the card's history.
func (s *Store) RuleHold(ctx context.Context, terminal string, seq uint64, accept bool) (store.Txn, error) {
	if err := ctx.Err(); err != nil {
		return store.Txn{}, fmt.Errorf("rule on %s/%d: %w", terminal, seq, err)
	}
	if !storable(terminal) || seq == 0 || seq > math.MaxInt64 {
		return store.Txn{}, fmt.Errorf("rule on %s/%d: %w", terminal, seq, store.ErrNotFound)
	}
	var out store.Txn
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var (
			cardNo, hold string
			held         int64
		)
		err := tx.QueryRow(ctx, `SELECT r.card_no, r.hold, r.held FROM terminals t JOIN records r ON r.terminal = t.id
			WHERE t.id = $1 AND r.seq = $2 FOR SHARE OF t FOR UPDATE OF r`, terminal, int64(seq)).Scan(&cardNo, &hold, &held)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return store.ErrNotFound
		case err != nil:
			return fmt.Errorf("record: %w", err)
		case hold != store.HoldHeld:
			return store.ErrNoHold
		}
		rows, _ := tx.Query(ctx, holderLockQuery, []string{cardNo})
		hs, err := pgx.CollectRows(rows, scanHolder)
		if err != nil {
			return fmt.Errorf("account %s: %w", cardNo, err)
		}
		var h *policy.Holder
		if len(hs) == 1 {
			h = &hs[0]
		}
		delta, err := ledger.Rule(held, h, accept)
		if err != nil {
			return err
		}
		if delta != 0 {
			if _, err := tx.Exec(ctx, "UPDATE accounts SET balance = $2 WHERE card_no = $1", cardNo, h.Balance); err != nil {
				return fmt.Errorf("account %s: %w", cardNo, err)
			}
		}
		state := store.HoldRefused
		if accept {
			state = store.HoldAccepted
		}
		rows, _ = tx.Query(ctx, "UPDATE records SET hold = $3 WHERE terminal = $1 AND seq = $2 RETURNING "+txnColumns,
			terminal, int64(seq), state)
		if out, err = pgx.CollectExactlyOneRow(rows, scanTxn); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Txn{}, fmt.Errorf("rule on %s/%d: %w", terminal, seq, err)
	}
	return out, nil
}

// finding is something supervisors' logs should show, logged after commit.
type finding struct {
	msg   string
	seq   uint64
	txnID string
	flags []string
}
