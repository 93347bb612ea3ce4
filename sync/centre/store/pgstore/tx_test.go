package pgstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestInTxRunsADeadlockVictimAgain(t *testing.T) {
	s, dsn := openTest(t)
	exec(t, dsn, "CREATE TABLE tries (n int)")
	calls := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		calls++
		if _, err := tx.Exec(ctx, "INSERT INTO tries VALUES ($1)", calls); err != nil {
			return err
		}
		if calls < 3 {
			return &pgconn.PgError{Code: codeDeadlock}
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err %v after %d calls; want success on the third", err, calls)
	}
	if got := query[int32](t, dsn, "SELECT n FROM tries"); len(got) != 1 || got[0] != 3 {
		t.Fatalf("rows %v: the aborted attempts must leave nothing", got)
	}
}

func TestInTxGivesUp(t *testing.T) {
	s, _ := openTest(t)
	for _, c := range []struct {
		err   error
		calls int
	}{
		{&pgconn.PgError{Code: codeSerialization}, maxAttempts},
		{&pgconn.PgError{Code: codeUnique}, 1},
		{errors.New("plain"), 1},
	} {
		calls := 0
		err := s.inTx(ctx, func(pgx.Tx) error { calls++; return c.err })
		if !errors.Is(err, c.err) || calls != c.calls {
			t.Errorf("%v: %d calls, err %v; want %d calls", c.err, calls, err, c.calls)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	calls := 0
	err := s.inTx(cctx, func(pgx.Tx) error { calls++; cancel(); return &pgconn.PgError{Code: codeDeadlock} })
	if err == nil || calls != 1 {
		t.Fatalf("cancelled while waiting to retry: %d calls, %v", calls, err)
	}
}

// A server that dropped the pool's connections (a restart, a failover)
// costs at most the call that finds out; pgxpool pings connections idle
// for more than a second before handing them out.
func TestPoolReplacesDroppedConnections(t *testing.T) {
	s, dsn := openTest(t)
	setup(t, s)
	terminate := func() {
		exec(t, dsn, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	}
	terminate()
	time.Sleep(1100 * time.Millisecond)
	if _, err := s.Account(ctx, "C1"); err != nil {
		t.Fatalf("after an idle pause: %v", err)
	}
	terminate()
	_, _ = s.Account(ctx, "C1") // may fail: the connection was dropped a moment ago
	if _, err := s.Account(ctx, "C1"); err != nil {
		t.Fatalf("the call after: %v", err)
	}
}

func TestPoolBoundsConnections(t *testing.T) {
	s, _ := openTest(t)
	setup(t, s)
	max := int(s.pool.Config().MaxConns)
	held := make([]*pgxpool.Conn, 0, max)
	for range max {
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.Account(short, "C1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with every connection in use: %v", err)
	}
	for _, c := range held {
		c.Release()
	}
	if _, err := s.Account(ctx, "C1"); err != nil {
		t.Fatalf("after the connections came back: %v", err)
	}
}
