package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"posagent/sync/centre/store"
)

// auditLock is the advisory lock key that serialises appends to the audit
// log ("audit" in ASCII): each append reads the last event and chains
// after it, so two at once must not read the same last event.
const auditLock = 0x6175646974

// AppendAudit appends e to the audit log, chained after the last event,
// in one transaction holding auditLock.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEvent) (store.AuditEvent, error) {
	if err := ctx.Err(); err != nil {
		return store.AuditEvent{}, fmt.Errorf("audit: %w", err)
	}
	if err := store.CheckAudit(e); err != nil {
		return store.AuditEvent{}, fmt.Errorf("audit: %w", err)
	}
	for _, f := range []struct{ what, s string }{{"actor", e.Actor}, {"action", e.Action}, {"subject", e.Subject}, {"detail", e.Detail}} {
		if err := checkText(f.what, f.s); err != nil {
			return store.AuditEvent{}, fmt.Errorf("audit: %w", err)
		}
	}
	in := e
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(auditLock)); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		var prev store.AuditEvent
		err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&prev.Seq, &prev.Hash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("last event: %w", err)
		}
		e = store.ChainAudit(in, prev)
		_, err = tx.Exec(ctx, `INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			int64(e.Seq), e.At, e.Actor, e.Action, e.Subject, e.Detail, e.PrevHash, e.Hash)
		return err
	})
	if err != nil {
		return store.AuditEvent{}, fmt.Errorf("audit %s by %s: %w", in.Action, in.Actor, err)
	}
	return e, nil
}

const auditColumns = "seq, at, actor, action, subject, detail, prev_hash, hash"

func scanAudit(row pgx.CollectableRow) (store.AuditEvent, error) {
	var e store.AuditEvent
	var seq int64
	err := row.Scan(&seq, &e.At, &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.PrevHash, &e.Hash)
	e.Seq, e.At = uint64(seq), e.At.UTC()
	return e, err
}

// Audit lists the events matching f, newest first.
func (s *Store) Audit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	where, args := "TRUE", []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where += " AND " + cond + " $" + strconv.Itoa(len(args))
	}
	if f.Action != "" {
		add("action =", f.Action)
	}
	if f.Actor != "" {
		add("actor =", f.Actor)
	}
	if !f.From.IsZero() {
		add("at >=", f.From)
	}
	if !f.To.IsZero() {
		add("at <", f.To)
	}
	if f.Before > 0 {
		add("seq <", int64(min(f.Before, 1<<63-1)))
	}
	if !storable(f.Action) || !storable(f.Actor) {
		return []store.AuditEvent{}, nil
	}
	args = append(args, limit)
	q := "SELECT " + auditColumns + " FROM audit_log WHERE " + where + " ORDER BY seq DESC LIMIT $" + strconv.Itoa(len(args))
	var out []store.AuditEvent
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanAudit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if out == nil {
		out = []store.AuditEvent{}
	}
	return out, nil
}

// auditPage is how many events VerifyAudit reads at a time.
const auditPage = 10000

// VerifyAudit walks the log oldest first, a page at a time, and checks
// each link.
func (s *Store) VerifyAudit(ctx context.Context) (int, error) {
	var v store.AuditVerifier
	var after int64
	for {
		var page []store.AuditEvent
		err := s.withConn(ctx, func(c *pgx.Conn) error {
			rows, err := c.Query(ctx, "SELECT "+auditColumns+" FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2", after, auditPage)
			if err != nil {
				return err
			}
			page, err = pgx.CollectRows(rows, scanAudit)
			return err
		})
		if err != nil {
			return v.N(), fmt.Errorf("verify audit log: %w", err)
		}
		for _, e := range page {
			if err := v.Next(e); err != nil {
				return v.N(), err
			}
		}
		if len(page) < auditPage {
			return v.N(), nil
		}
		after = int64(page[len(page)-1].Seq)
	}
}
