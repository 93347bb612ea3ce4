package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// defaultLimit is the most transactions one query returns when the filter
// does not say.
const defaultLimit = 1000

// Transactions lists synced records matching f, newest first (by the time
// the terminal recorded them, then terminal and seq), at most f.Limit
// (default 1000). Each condition is one an index serves: card, pharmacy or
// terminal with time, flagged with time, held with time, or time alone.
func (s *Store) Transactions(ctx context.Context, f store.Filter) ([]store.Txn, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("transactions: %w", err)
	}
	out := []store.Txn{}
	sql, args, ok := transactionsQuery(f)
	if !ok {
		return out, nil
	}
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, _ := c.Query(ctx, sql, args...)
		var err error
		out, err = pgx.AppendRows(out, rows, scanTxn)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("transactions: %w", err)
	}
	return out, nil
}

// transactionsQuery builds the query for f; ok is false when f names
// something no record can hold.
func transactionsQuery(f store.Filter) (sql string, args []any, ok bool) {
	var q filterSQL
	if !q.names("", f.CardNo, f.Terminal, f.Pharmacy) {
		return "", nil, false
	}
	if f.Kind != "" {
		q.where = append(q.where, "kind = "+q.arg(cleanText(f.Kind)))
	}
	if f.Flagged {
		q.where = append(q.where, "flagged")
	}
	if f.Held {
		q.where = append(q.where, "hold IN ('held', 'deferred', 'refuse_pending')") // awaiting a ruling: the partial index records_held
	}
	if f.Cashier != "" {
		q.where = append(q.where, "cashier = "+q.arg(cleanText(f.Cashier)))
	}
	if f.Code != "" {
		// A flag, or the code of a reason of the record or of one of its
		// lines (store.Txn.HasCode), read from the stored body.
		c := q.arg(cleanText(f.Code))
		q.where = append(q.where, "("+c+" = ANY(flags) OR jsonb_path_exists(convert_from(body, 'UTF8')::jsonb, "+
			"'$.reasons[*] ? (@.code == $c)', jsonb_build_object('c', "+c+"::text)) OR "+
			"jsonb_path_exists(convert_from(body, 'UTF8')::jsonb, '$.lines[*].reasons[*] ? (@.code == $c)', jsonb_build_object('c', "+c+"::text)))")
	}
	if f.MinAccount != 0 {
		q.where = append(q.where, "account >= "+q.arg(f.MinAccount))
	}
	if f.MaxAccount != 0 {
		q.where = append(q.where, "account <= "+q.arg(f.MaxAccount))
	}
	q.period("", f.From, f.To)
	return q.sql("SELECT "+txnColumns+" FROM records", "at DESC, at_ns DESC, terminal DESC, seq DESC", f.Limit), q.args, true
}

// filterSQL builds the WHERE clause and arguments of a list query.
type filterSQL struct {
	where []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (q *filterSQL) arg(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

// names adds the card, terminal and pharmacy conditions that are set (on
// columns of the table alias prefix, e.g. "l."); false when one of them
// can hold no stored value, so nothing matches.
func (q *filterSQL) names(prefix, cardNo, terminal, pharmacy string) bool {
	for _, c := range []struct{ column, v string }{
		{"card_no", cardNo}, {"terminal", terminal}, {"pharmacy", pharmacy},
	} {
		if c.v == "" {
			continue
		}
		if !storable(c.v) {
			return false
		}
		q.where = append(q.where, prefix+c.column+" = "+q.arg(c.v))
	}
	return true
}

// period adds at in [from, to) (zero: unbounded).
func (q *filterSQL) period(prefix string, from, to time.Time) {
	if !from.IsZero() {
		us, ns := splitTime(from)
		q.where = append(q.where, fmt.Sprintf("(%sat, %sat_ns) >= (%s, %s)", prefix, prefix, q.arg(us), q.arg(ns)))
	}
	if !to.IsZero() {
		us, ns := splitTime(to)
		q.where = append(q.where, fmt.Sprintf("(%sat, %sat_ns) < (%s, %s)", prefix, prefix, q.arg(us), q.arg(ns)))
	}
}

// sql is selectFrom with the conditions, the order and the limit (0:
// defaultLimit).
func (q *filterSQL) sql(selectFrom, order string, limit int) string {
	if limit <= 0 {
		limit = defaultLimit
	}
	var b strings.Builder
	b.WriteString(selectFrom)
	if len(q.where) > 0 {
		b.WriteString(" WHERE " + strings.Join(q.where, " AND "))
	}
	b.WriteString(" ORDER BY " + order + " LIMIT " + q.arg(limit))
	return b.String()
}

// txnColumns are the columns of a record scanTxn reads.
const txnColumns = "pharmacy, received_at, flags, balance_after, body, held, hold, findings"

// scanTxn reads txnColumns.
func scanTxn(row pgx.CollectableRow) (store.Txn, error) {
	r, err := scanStored(row)
	return r.Txn, err
}

// scanStored reads txnColumns, keeping the record its body holds.
func scanStored(row pgx.CollectableRow) (store.StoredRecord, error) {
	var (
		pharmacy     string
		received     time.Time
		flags        []string
		balanceAfter int64
		body         []byte
		held         int64
		hold         string
		findings     []byte
	)
	if err := row.Scan(&pharmacy, &received, &flags, &balanceAfter, &body, &held, &hold, &findings); err != nil {
		return store.StoredRecord{}, err
	}
	var rec wire.Record
	if err := json.Unmarshal(body, &rec); err != nil {
		return store.StoredRecord{}, fmt.Errorf("stored body: %w", err)
	}
	t := store.TxnOf(rec, pharmacy, received, flags, balanceAfter)
	t.Held, t.Hold = held, hold
	if findings != nil {
		if err := json.Unmarshal(findings, &t.Findings); err != nil {
			return store.StoredRecord{}, fmt.Errorf("stored findings of %s/%d: %w", t.Terminal, t.Seq, err)
		}
	}
	return store.StoredRecord{Txn: t, Record: rec}, nil
}

// CardHistory returns a card's charges at every terminal with At ≥ since,
// oldest first, leaving out charges a void of the same terminal refunded
// and charges whose hold awaits a ruling or was refused.
func (s *Store) CardHistory(ctx context.Context, cardNo string, since time.Time) ([]policy.Purchase, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("history of %s: %w", cardNo, err)
	}
	if !storable(cardNo) {
		return nil, nil
	}
	us, ns := splitTime(since)
	var out []policy.Purchase
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, _ := c.Query(ctx, `SELECT r.pharmacy, r.body FROM records r
			WHERE r.card_no = $1 AND r.kind = 'charge' AND (r.at, r.at_ns) >= ($2, $3)
			AND r.txn_first AND r.hold NOT IN ('held', 'deferred', 'refuse_pending', 'refused')
			AND NOT EXISTS (SELECT 1 FROM records v
				WHERE v.terminal = r.terminal AND v.kind = 'void' AND v.reverses = r.txn_id AND NOT ($4 = ANY(v.flags)))
			ORDER BY r.at, r.at_ns, r.terminal, r.seq`, cardNo, us, ns, wire.FlagVoidUnmatched)
		var err error
		out, err = pgx.CollectRows(rows, scanPurchase)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", cardNo, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// scanPurchase reads pharmacy, body of a charge.
func scanPurchase(row pgx.CollectableRow) (policy.Purchase, error) {
	var (
		pharmacy string
		body     []byte
		rec      wire.Record
	)
	if err := row.Scan(&pharmacy, &body); err != nil {
		return policy.Purchase{}, err
	}
	if err := json.Unmarshal(body, &rec); err != nil {
		return policy.Purchase{}, fmt.Errorf("stored body: %w", err)
	}
	return rec.Purchase(pharmacy), nil
}

// LogLookup appends an account look-up to the log.
func (s *Store) LogLookup(ctx context.Context, l store.Lookup) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("log look-up: %w", err)
	}
	if err := checkName("terminal", l.Terminal); err != nil {
		return fmt.Errorf("log look-up: %w", err)
	}
	if l.Kind != store.LookupVoucher || l.CardNo != "" { // an unknown voucher has no card
		if err := checkName("card number", l.CardNo); err != nil {
			return fmt.Errorf("log look-up of %s: %w", l.Terminal, err)
		}
	}
	for _, f := range []struct{ what, s string }{{"pharmacy", l.Pharmacy}, {"kind", l.Kind}, {"token", l.Token}, {"code", l.Code}} {
		if err := checkText(f.what, f.s); err != nil {
			return fmt.Errorf("log look-up of %s: %w", l.Terminal, err)
		}
	}
	err := s.withConn(ctx, func(c *pgx.Conn) error { return insertLookup(ctx, c, l) })
	if err != nil {
		return fmt.Errorf("log look-up of %s by %s: %w", l.CardNo, l.Terminal, err)
	}
	return nil
}

// insertLookup appends l to the look-up log on c (a connection or a
// transaction).
func insertLookup(ctx context.Context, c interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, l store.Lookup) error {
	us, ns := splitTime(l.At)
	_, err := c.Exec(ctx, `INSERT INTO lookups (terminal, pharmacy, card_no, at, at_ns, found, refused, kind, token, code, proven)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, l.Terminal, l.Pharmacy, l.CardNo, us, ns, l.Found, l.Refused, l.Kind, l.Token, l.Code, l.Proven)
	return err
}

// saleExists is true when a charge of the look-up's (alias l) terminal
// and card is dated (to the nanosecond) or was received (to the
// microsecond) in [at − store.SaleBefore, at + store.SaleWithin).
var saleExists = fmt.Sprintf(`EXISTS (SELECT 1 FROM records r
	WHERE r.card_no = l.card_no AND r.kind = 'charge' AND r.terminal = l.terminal
	AND (((r.at, r.at_ns) >= (l.at - interval '%[1]d microseconds', l.at_ns)
		AND (r.at, r.at_ns) < (l.at + interval '%[2]d microseconds', l.at_ns))
	OR (r.received_at >= l.at - interval '%[1]d microseconds' AND r.received_at < l.at + interval '%[2]d microseconds')))`,
	store.SaleBefore.Microseconds(), store.SaleWithin.Microseconds())

// Lookups lists logged look-ups matching f, newest first (ties: the later
// logged first), at most f.Limit (default 1000), with Sale worked out.
func (s *Store) Lookups(ctx context.Context, f store.LookupFilter) ([]store.Lookup, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("look-ups: %w", err)
	}
	out := []store.Lookup{}
	var q filterSQL
	if !q.names("l.", f.CardNo, f.Terminal, f.Pharmacy) {
		return out, nil
	}
	q.period("l.", f.From, f.To)
	if f.WithoutSale {
		q.where = append(q.where, "NOT "+saleExists)
	}
	sql := q.sql("SELECT l.terminal, l.pharmacy, l.card_no, l.at, l.at_ns, l.found, l.refused, l.kind, l.token, l.code, l.proven, "+saleExists+" FROM lookups l",
		"l.at DESC, l.at_ns DESC, l.id DESC", f.Limit)
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, _ := c.Query(ctx, sql, q.args...)
		var err error
		out, err = pgx.AppendRows(out, rows, func(row pgx.CollectableRow) (store.Lookup, error) {
			var l store.Lookup
			var ns int16
			err := row.Scan(&l.Terminal, &l.Pharmacy, &l.CardNo, &l.At, &ns, &l.Found, &l.Refused, &l.Kind, &l.Token, &l.Code, &l.Proven, &l.Sale)
			l.At = joinTime(l.At, ns)
			return l, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("look-ups: %w", err)
	}
	return out, nil
}
