package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"posagent/sync/centre/store"
)

// EnrolTerminal creates a terminal, or re-keys an enrolled one: its
// pharmacy, token hash and enrolment time are replaced, while its chain
// state (AckedSeq, LastHash) and reported versions are kept, so that
// re-enrolling never lets entries be applied twice.
func (s *Store) EnrolTerminal(ctx context.Context, t store.Terminal) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("enrol terminal %s: %w", t.ID, err)
	}
	if err := checkTerminal(t); err != nil {
		return fmt.Errorf("enrol terminal %q: %w", t.ID, err)
	}
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO terminals (id, pharmacy, token_hash, enrolled_at, acked_seq, last_hash,
				last_seen, rules_version, rules_error, blocklist_version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (id) DO UPDATE SET pharmacy = excluded.pharmacy, token_hash = excluded.token_hash,
				enrolled_at = excluded.enrolled_at`,
			t.ID, t.Pharmacy, t.TokenHash, nullTime(t.EnrolledAt), int64(t.AckedSeq), t.LastHash,
			nullTime(t.LastSeen), t.RulesVersion, t.RulesError, t.BlocklistVersion)
		return err
	})
	if err != nil {
		return fmt.Errorf("enrol terminal %s: %w", t.ID, err)
	}
	return nil
}

// checkTerminal rejects a terminal PostgreSQL cannot store as given.
func checkTerminal(t store.Terminal) error {
	if err := checkName("terminal id", t.ID); err != nil {
		return err
	}
	if err := checkName("pharmacy id", t.Pharmacy); err != nil {
		return err
	}
	for _, f := range []struct{ what, v string }{{"token hash", t.TokenHash}, {"last hash", t.LastHash}, {"rules error", t.RulesError}} {
		if err := checkText(f.what, f.v); err != nil {
			return err
		}
	}
	if t.AckedSeq > math.MaxInt64 {
		return fmt.Errorf("acked seq %d beyond a bigint", t.AckedSeq)
	}
	return nil
}

// terminalQuery selects every column of terminals, in scanTerminal's order.
const terminalQuery = `SELECT id, pharmacy, token_hash, enrolled_at, acked_seq, last_hash, last_seen,
	rules_version, rules_error, blocklist_version, journal FROM terminals`

func scanTerminal(row pgx.CollectableRow) (store.Terminal, error) {
	var (
		t              store.Terminal
		acked          int64
		enrolled, seen *time.Time
	)
	err := row.Scan(&t.ID, &t.Pharmacy, &t.TokenHash, &enrolled, &acked, &t.LastHash, &seen,
		&t.RulesVersion, &t.RulesError, &t.BlocklistVersion, &t.Journal)
	t.AckedSeq, t.EnrolledAt, t.LastSeen = uint64(acked), fromNull(enrolled), fromNull(seen)
	return t, err
}

// Terminal returns one terminal, or ErrNotFound.
func (s *Store) Terminal(ctx context.Context, id string) (store.Terminal, error) {
	if err := ctx.Err(); err != nil {
		return store.Terminal{}, fmt.Errorf("terminal %s: %w", id, err)
	}
	if !storable(id) {
		return store.Terminal{}, fmt.Errorf("terminal %s: %w", id, store.ErrNotFound)
	}
	var t store.Terminal
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, _ := c.Query(ctx, terminalQuery+" WHERE id = $1", id)
		var err error
		t, err = pgx.CollectExactlyOneRow(rows, scanTerminal)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Terminal{}, fmt.Errorf("terminal %s: %w", id, err)
	}
	return t, nil
}

// Terminals lists every terminal, by id.
func (s *Store) Terminals(ctx context.Context) ([]store.Terminal, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("terminals: %w", err)
	}
	var ts []store.Terminal
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, _ := c.Query(ctx, terminalQuery+" ORDER BY id")
		var err error
		ts, err = pgx.CollectRows(rows, scanTerminal)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("terminals: %w", err)
	}
	if len(ts) == 0 {
		return nil, nil
	}
	return ts, nil
}

// ReportVersions records what a terminal says it runs, and when it was
// seen (LastSeen never moves back); ErrNotFound for a terminal not
// enrolled. The rules error is the terminal's text, stored clean.
func (s *Store) ReportVersions(ctx context.Context, id string, rules, blocklist int64, rulesErr string, seen time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("report versions of %s: %w", id, err)
	}
	if !storable(id) {
		return fmt.Errorf("report versions of %s: %w", id, store.ErrNotFound)
	}
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, `UPDATE terminals SET rules_version = $2, blocklist_version = $3, rules_error = $4,
			last_seen = GREATEST(last_seen, $5) WHERE id = $1`, id, rules, blocklist, cleanText(rulesErr), nullTime(seen))
		if err == nil && tag.RowsAffected() == 0 {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("report versions of %s: %w", id, err)
	}
	return nil
}

// MarkJournalReplaced sets the terminal's JOURNAL_REPLACED mark unless an
// open one is there (the first sighting is kept); see store.Store.
func (s *Store) MarkJournalReplaced(ctx context.Context, id string, m store.JournalMark) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("mark journal of %s: %w", id, err)
	}
	if !storable(id) {
		return false, fmt.Errorf("mark journal of %s: %w", id, store.ErrNotFound)
	}
	m.RebasedAt, m.RebasedBy, m.RebaseSeq, m.RebaseHash = time.Time{}, "", 0, ""
	m.Reason = cleanText(m.Reason)
	set := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var cur *store.JournalMark
		if err := tx.QueryRow(ctx, "SELECT journal FROM terminals WHERE id = $1 FOR UPDATE", id).Scan(&cur); err != nil {
			return err
		}
		if set = !cur.Open(); !set {
			return nil
		}
		_, err := tx.Exec(ctx, "UPDATE terminals SET journal = $2 WHERE id = $1", id, m)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("mark journal of %s: %w", id, err)
	}
	return set, nil
}

// RebaseTerminal records the rebase of the terminal's open mark: the acked
// seq and last hash it reads under the row's lock; see store.Store.
func (s *Store) RebaseTerminal(ctx context.Context, id, by string, at time.Time) (store.Terminal, error) {
	if err := ctx.Err(); err != nil {
		return store.Terminal{}, fmt.Errorf("rebase terminal %s: %w", id, err)
	}
	if !storable(id) {
		return store.Terminal{}, fmt.Errorf("rebase terminal %s: %w", id, store.ErrNotFound)
	}
	var t store.Terminal
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, terminalQuery+" WHERE id = $1 FOR UPDATE", id)
		var err error
		if t, err = pgx.CollectExactlyOneRow(rows, scanTerminal); err != nil {
			return err
		}
		if !t.Journal.Open() {
			return store.ErrNotReplaced
		}
		m := *t.Journal
		m.RebasedAt, m.RebasedBy, m.RebaseSeq, m.RebaseHash = at, cleanText(by), t.AckedSeq, t.LastHash
		t.Journal = &m
		_, err = tx.Exec(ctx, "UPDATE terminals SET journal = $2 WHERE id = $1", id, m)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Terminal{}, fmt.Errorf("rebase terminal %s: %w", id, err)
	}
	return t, nil
}
