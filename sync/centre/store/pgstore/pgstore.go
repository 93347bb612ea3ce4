// Package pgstore is the centre's store.Store in PostgreSQL, for a region
// one machine's bbolt file no longer serves. It owns the schema (versioned
// migrations it applies itself, see migrations.go) and the SQL; what Apply
// decides about each entry is package ledger's, exactly as for the
// embedded store, so both stores answer alike.
//
// Apply runs in one READ COMMITTED transaction that first locks the
// terminal's row (so one terminal's batches apply one after another) and
// then the accounts it touches, in card order (so terminals sharing cards
// cannot deadlock); records, balances and chain state commit together.
// Each (terminal, seq) is the records table's primary key.
//
// Differences from the embedded store, all at the edges of what terminals
// and administrators can send:
//   - Times the centre stamps (enrolled_at, last_seen, received_at) keep
//     microseconds, PostgreSQL's precision. A record's own time and a
//     signed document's issue time are kept to the nanosecond (an extra
//     column holds the nanoseconds), so windows and signatures are exact.
//   - Text columns cannot hold NUL or invalid UTF-8. Names (card numbers,
//     terminal, pharmacy, user and document kinds) and account fields with
//     them are refused; free text a terminal sends (cashier, kind, txn ids,
//     a rules error) is stored with U+FFFD in their place, while the body,
//     which supervisors' views are built from, is kept byte for byte.
//   - A seq above 2⁶³−1 does not fit a bigint, and an entry's hash is
//     text: an entry with such a seq or a NUL in its hash is refused
//     (ledger.ErrRefused).
package pgstore

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"posagent/sync/centre/store"
)

// Options tunes Open. The zero value is ready to use.
type Options struct {
	// MaxConns bounds the open connections; 0 means max(4, GOMAXPROCS).
	MaxConns int
	// Logger receives chain findings and conflicts; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Store is the PostgreSQL Store. It is safe for concurrent use, also by
// several centre processes sharing one database.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at dsn (a postgres:// URL or libpq
// keyword/value string), checks that it stores UTF-8, and creates or
// migrates the schema. It refuses a database whose schema is newer than
// this build.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = max(4, runtime.GOMAXPROCS(0))
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	pcfg.MaxConns = int32(min(opts.MaxConns, 1<<20))
	cfg := pcfg.ConnConfig
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store %s@%s/%s: %w", cfg.User, cfg.Host, cfg.Database, err)
	}
	s := &Store{pool: pool, log: opts.Logger.With("component", "store")}
	err = s.withConn(ctx, func(c *pgx.Conn) error {
		if err := checkServer(ctx, c); err != nil {
			return err
		}
		return migrate(ctx, c)
	})
	if err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("open postgres store %s@%s/%s: %w", cfg.User, cfg.Host, cfg.Database, err)
	}
	return s, nil
}

// checkServer refuses a database that does not store text as UTF-8.
func checkServer(ctx context.Context, c *pgx.Conn) error {
	var enc string
	if err := c.QueryRow(ctx, "SHOW server_encoding").Scan(&enc); err != nil {
		return fmt.Errorf("server encoding: %w", err)
	}
	if enc != "UTF8" {
		return fmt.Errorf("database encoding is %s; create it with ENCODING 'UTF8'", enc)
	}
	return nil
}

// Close closes the connections. Calls in flight finish first; later ones
// fail.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
