package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"posagent/sync/centre/store"
)

// EachRecord calls fn with every record dated in [from, to), oldest
// first (by time, terminal and seq: the records_by_time index), from one
// query, so one snapshot (see store.Store).
func (s *Store) EachRecord(ctx context.Context, from, to time.Time, fn func(store.StoredRecord) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("records: %w", err)
	}
	var q filterSQL
	q.period("", from, to)
	sql := "SELECT " + txnColumns + " FROM records"
	if len(q.where) > 0 {
		sql += " WHERE " + q.where[0]
		for _, w := range q.where[1:] {
			sql += " AND " + w
		}
	}
	sql += " ORDER BY at, at_ns, terminal, seq"
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, sql, q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanStored(rows)
			if err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("records: %w", err)
	}
	return nil
}
