package pgstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"posagent/internal/clock"
)

// maxAttempts bounds how often a transaction that lost a deadlock or a
// serialization conflict is run again.
const maxAttempts = 5

// withConn runs fn on a pooled connection.
func (s *Store) withConn(ctx context.Context, fn func(c *pgx.Conn) error) error {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	return fn(c.Conn())
}

// inTx runs fn in a READ COMMITTED transaction and commits it; an error
// from fn rolls it back. A transaction PostgreSQL aborted as a deadlock
// victim or for a serialization conflict is run again, so fn may run more
// than once and must keep its state inside the call.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.withConn(ctx, func(c *pgx.Conn) error { return pgx.BeginFunc(ctx, c, fn) })
		if !retryable(err) || attempt == maxAttempts {
			return err
		}
		s.log.Debug("transaction retried", "attempt", attempt, "err", err)
		wait := time.Duration(attempt) * time.Duration(5+rand.IntN(10)) * time.Millisecond
		// A real wait, on the machine's clock: the conflicting transaction
		// runs on a real database.
		if clock.Sleep(ctx, clock.Real(), wait) != nil {
			return err
		}
	}
}

// PostgreSQL error codes this package tells apart.
const (
	codeSerialization = "40001"
	codeDeadlock      = "40P01"
	codeUnique        = "23505"
)

// retryable reports whether err is PostgreSQL aborting a transaction that
// may succeed when run again.
func retryable(err error) bool {
	return hasCode(err, codeSerialization) || hasCode(err, codeDeadlock)
}

// hasCode reports whether err is a PostgreSQL error with the SQLSTATE code.
func hasCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}
