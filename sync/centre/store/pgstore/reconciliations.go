package pgstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"posagent/sync/centre/store"
)

// PutReconciliation stores r under (day, terminal), replacing what was
// there. Differences are display text and are stored clean.
func (s *Store) PutReconciliation(ctx context.Context, r store.Reconciliation) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put reconciliation: %w", err)
	}
	if err := checkName("terminal", r.Terminal); err != nil {
		return fmt.Errorf("put reconciliation: %w", err)
	}
	if _, err := time.Parse(time.DateOnly, r.Day); err != nil {
		return fmt.Errorf("put reconciliation of %s: day %q is not YYYY-MM-DD", r.Terminal, r.Day)
	}
	if err := checkText("pharmacy", r.Pharmacy); err != nil {
		return fmt.Errorf("put reconciliation of %s: %w", r.Terminal, err)
	}
	var diffs []string
	if r.Differences != nil {
		diffs = make([]string, len(r.Differences))
		for i, d := range r.Differences {
			diffs[i] = cleanText(d)
		}
	}
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO reconciliations (day, terminal, pharmacy, match, differences, agent, centre, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (day, terminal) DO UPDATE SET pharmacy = excluded.pharmacy, match = excluded.match,
				differences = excluded.differences, agent = excluded.agent, centre = excluded.centre, at = excluded.at`,
			r.Day, r.Terminal, r.Pharmacy, r.Match, diffs, r.Agent, r.Centre, r.At)
		return err
	})
	if err != nil {
		return fmt.Errorf("put reconciliation of %s on %s: %w", r.Terminal, r.Day, err)
	}
	return nil
}

// Reconciliations lists stored results matching f, newest day first and
// within a day by terminal id descending, at most f.Limit (default 1000).
func (s *Store) Reconciliations(ctx context.Context, f store.ReconciliationFilter) ([]store.Reconciliation, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reconciliations: %w", err)
	}
	out := []store.Reconciliation{}
	var where []string
	var args []any
	for _, c := range []struct{ column, v string }{{"terminal", f.Terminal}, {"pharmacy", f.Pharmacy}, {"day", f.Day}} {
		if c.v == "" {
			continue
		}
		if !storable(c.v) {
			return out, nil
		}
		args = append(args, c.v)
		where = append(where, fmt.Sprintf("%s = $%d", c.column, len(args)))
	}
	if f.Mismatch {
		where = append(where, "NOT match")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	sql := "SELECT day, terminal, pharmacy, match, differences, agent, centre, at FROM reconciliations"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	sql += fmt.Sprintf(" ORDER BY day DESC, terminal DESC LIMIT $%d", len(args))
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, _ := c.Query(ctx, sql, args...)
		var err error
		out, err = pgx.AppendRows(out, rows, func(row pgx.CollectableRow) (store.Reconciliation, error) {
			var r store.Reconciliation
			err := row.Scan(&r.Day, &r.Terminal, &r.Pharmacy, &r.Match, &r.Differences, &r.Agent, &r.Centre, &r.At)
			return r, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reconciliations: %w", err)
	}
	return out, nil
}
