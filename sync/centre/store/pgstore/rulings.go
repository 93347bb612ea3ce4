package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
)

// Rule records a supervisor's ruling on the hold of the charge at
// (r.Terminal, r.Seq) in one transaction (see store.Store), as
// ledger.RuleOn decides it: accepted, the held fen are taken from the
// card's account (ledger.Rule) and a later void refunds all of the
// charge; otherwise nothing moves. The lock order is Apply's: the
// terminal's row first (shared), so a ruling waits for the terminal's
// apply in flight and cannot deadlock with it; the record's row next, so
// of two rulings on one charge the second waits and then decides on the
// state the first left (the ruling history is read under this lock); the
// account's row last, before the record changes, as Apply locks it
// before it reads the card's history.
func (s *Store) Rule(ctx context.Context, r store.RulingRequest) (store.Txn, error) {
	if err := ctx.Err(); err != nil {
		return store.Txn{}, fmt.Errorf("rule on %s/%d: %w", r.Terminal, r.Seq, err)
	}
	if !storable(r.Terminal) || r.Seq == 0 || r.Seq > math.MaxInt64 {
		return store.Txn{}, fmt.Errorf("rule on %s/%d: %w", r.Terminal, r.Seq, store.ErrNotFound)
	}
	if !storable(r.By) || !storable(r.Note) { // RuleOn says so too, for both stores
		return store.Txn{}, fmt.Errorf("rule on %s/%d: %w", r.Terminal, r.Seq, ledger.ErrBadRuling)
	}
	seq := int64(r.Seq)
	var out store.Txn
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var (
			cardNo, hold string
			held         int64
		)
		err := tx.QueryRow(ctx, `SELECT r.card_no, r.hold, r.held FROM terminals t JOIN records r ON r.terminal = t.id
			WHERE t.id = $1 AND r.seq = $2 FOR SHARE OF t FOR UPDATE OF r`, r.Terminal, seq).Scan(&cardNo, &hold, &held)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return store.ErrNotFound
		case err != nil:
			return fmt.Errorf("record: %w", err)
		}
		var n int
		var pendingBy string
		err = tx.QueryRow(ctx, `SELECT count(*),
			coalesce((SELECT by_user FROM rulings WHERE terminal = $1 AND seq = $2 AND state = $3 ORDER BY ordinal DESC LIMIT 1), '')
			FROM rulings WHERE terminal = $1 AND seq = $2`, r.Terminal, seq, store.HoldRefusePending).Scan(&n, &pendingBy)
		if err != nil {
			return fmt.Errorf("rulings: %w", err)
		}
		if hold != store.HoldRefusePending {
			pendingBy = ""
		}
		dec, err := ledger.RuleOn(ledger.RulingCase{
			Hold: hold, Held: held, PendingBy: pendingBy,
			Action: r.Action, By: r.By, Note: r.Note, SecondReview: r.SecondReviewAmount,
		})
		if err != nil {
			return err
		}
		if dec.Take {
			if err := takeHeld(ctx, tx, cardNo, held); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO rulings (terminal, seq, ordinal, action, by_user, note, at, state)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.Terminal, seq, n+1, r.Action, r.By, r.Note, r.At.UTC().Truncate(time.Microsecond), dec.Hold)
		if err != nil {
			return fmt.Errorf("ruling: %w", err)
		}
		rows, _ := tx.Query(ctx, "UPDATE records SET hold = $3 WHERE terminal = $1 AND seq = $2 RETURNING "+txnColumns,
			r.Terminal, seq, dec.Hold)
		if out, err = pgx.CollectExactlyOneRow(rows, scanTxn); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Txn{}, fmt.Errorf("rule on %s/%d: %w", r.Terminal, r.Seq, err)
	}
	return out, nil
}

// takeHeld takes an accepted hold's fen from the card's account, its row
// locked (ledger.Rule); a card with no account moves nothing. A void of
// the charge then refunds all of it: the charges' reference reads an
// accepted hold as nothing held (applier_load.go).
func takeHeld(ctx context.Context, tx pgx.Tx, cardNo string, held int64) error {
	rows, _ := tx.Query(ctx, holderLockQuery, []string{cardNo})
	hs, err := pgx.CollectRows(rows, scanHolder)
	if err != nil {
		return fmt.Errorf("account %s: %w", cardNo, err)
	}
	var h *policy.Holder
	if len(hs) == 1 {
		h = &hs[0]
	}
	delta, err := ledger.Rule(held, h, true)
	if err != nil {
		return err
	}
	if delta != 0 {
		if _, err := tx.Exec(ctx, "UPDATE accounts SET balance = $2 WHERE card_no = $1", cardNo, h.Balance); err != nil {
			return fmt.Errorf("account %s: %w", cardNo, err)
		}
	}
	return nil
}

// Rulings returns the ruling history of a record (see store.Store).
func (s *Store) Rulings(ctx context.Context, terminal string, seq uint64) ([]store.Ruling, error) {
	if !storable(terminal) || seq == 0 || seq > math.MaxInt64 {
		return nil, fmt.Errorf("rulings of %s/%d: %w", terminal, seq, store.ErrNotFound)
	}
	var out []store.Ruling
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, "SELECT 1 FROM records WHERE terminal = $1 AND seq = $2", terminal, int64(seq)).Scan(&one)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return store.ErrNotFound
		case err != nil:
			return fmt.Errorf("record: %w", err)
		}
		rows, _ := tx.Query(ctx, `SELECT action, by_user, note, at, state FROM rulings
			WHERE terminal = $1 AND seq = $2 ORDER BY ordinal`, terminal, int64(seq))
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Ruling, error) {
			var r store.Ruling
			err := row.Scan(&r.Action, &r.By, &r.Note, &r.At, &r.State)
			r.At = r.At.UTC()
			return r, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rulings of %s/%d: %w", terminal, seq, err)
	}
	if out == nil {
		out = []store.Ruling{}
	}
	return out, nil
}
