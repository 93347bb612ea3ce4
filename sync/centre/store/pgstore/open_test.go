package pgstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"posagent/internal/pgtest"
	"posagent/policy"
	"posagent/sync/centre/store"
)

var ctx = context.Background()

// query runs a query of one column on a connection of the test's own to
// dsn.
func query[T any](t testing.TB, dsn, sql string, args ...any) []T {
	t.Helper()
	return collect(t, dsn, pgx.RowTo[T], sql, args...)
}

// collect runs a query on a connection of the test's own to dsn.
func collect[T any](t testing.TB, dsn string, fn pgx.RowToFunc[T], sql string, args ...any) []T {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, sql, args...)
	out, err := pgx.CollectRows(rows, fn)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func exec(t testing.TB, dsn, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestMigrationsAreNumberedInOrder(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 || m.name == "" || m.sql == "" {
			t.Fatalf("migration %d is %d %q", i+1, m.version, m.name)
		}
	}
}

func TestOpenIsIdempotentAndKeepsData(t *testing.T) {
	s, dsn := openTest(t)
	if err := s.ImportAccounts(ctx, []policy.Holder{{CardNo: "C1", Status: "active", Balance: 123}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if h, err := s2.Account(ctx, "C1"); err != nil || h.Balance != 123 {
		t.Fatalf("after reopen: %+v %v", h, err)
	}
	got := query[int32](t, dsn, "SELECT version FROM schema_version ORDER BY version")
	var want []int32
	for _, m := range migrations {
		want = append(want, int32(m.version))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("schema versions %v, want %v", got, want)
	}
}

func TestOpenUpgradesAnOlderSchema(t *testing.T) {
	dsn := pgtest.Start(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateTo(ctx, conn, migrations[:1]); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	exec(t, dsn, "INSERT INTO terminals VALUES ('T1', 'P1', 'h', NULL, 4, 'abc', NULL, 0, '', 0)")

	s, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if term, err := s.Terminal(ctx, "T1"); err != nil || term.AckedSeq != 4 || term.LastHash != "abc" {
		t.Fatalf("terminal after the upgrade: %+v %v", term, err)
	}
	if err := s.PutReconciliation(ctx, store.Reconciliation{Terminal: "T1", Day: "2025-03-01", Match: true}); err != nil {
		t.Fatalf("version 2's table: %v", err)
	}
	if err := s.LogLookup(ctx, store.Lookup{Terminal: "T1", CardNo: "C1", At: time.Now()}); err != nil {
		t.Fatalf("version 5's table: %v", err)
	}
}

// Version 4 marks, of the charges stored before it, the lowest seq of
// each terminal's txn_id as the one voids match.
func TestOpenUpgradeMarksTheFirstChargeOfATxnID(t *testing.T) {
	dsn := pgtest.Start(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateTo(ctx, conn, migrations[:3]); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	exec(t, dsn, "INSERT INTO terminals VALUES ('T1', 'P1', 'h', NULL, 4, 'abc', NULL, 0, '', 0)")
	for _, r := range []struct {
		seq         int
		kind, txnID string
	}{{1, "charge", "b"}, {2, "charge", "a"}, {3, "charge", "b"}, {4, "void", "a"}} {
		exec(t, dsn, `INSERT INTO records VALUES ('T1', $1, 'h', '{}', $2, $3, now(), 0, 'C1', '', 'P1',
			100, 100, 0, 0, '', 'centre', '{}', false, now())`, r.seq, r.kind, r.txnID)
	}
	s, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := query[bool](t, dsn, "SELECT txn_first FROM records ORDER BY seq")
	if want := []bool{true, true, false, false}; !slices.Equal(got, want) {
		t.Fatalf("txn_first %v, want %v", got, want)
	}
	if h := query[string](t, dsn, "SELECT hold || held FROM records WHERE seq = 1"); h[0] != "0" {
		t.Fatalf("hold and held of a record stored before %q", h)
	}
}

func TestOpenRefusesANewerSchema(t *testing.T) {
	s, dsn := openTest(t)
	s.Close()
	exec(t, dsn, "INSERT INTO schema_version (version, name) VALUES ($1, 'from the future')", len(migrations)+1)
	_, err := Open(ctx, dsn, Options{})
	if want := fmt.Sprintf("database schema %d, this build reads up to %d", len(migrations)+1, len(migrations)); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %q", err, want)
	}
}

// Several centres starting on one new database at once: one migrates, the
// others wait for it and find nothing to do.
func TestOpenConcurrentlyMigratesOnce(t *testing.T) {
	dsn := pgtest.Start(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(ctx, dsn, Options{})
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := query[int32](t, dsn, "SELECT version FROM schema_version ORDER BY version"); len(got) != len(migrations) {
		t.Fatalf("schema versions %v", got)
	}
}

func TestOpenRefusesADatabaseThatIsNotUTF8(t *testing.T) {
	dsn := pgtest.Start(t)
	name := fmt.Sprintf("pgstore_latin1_%d", os.Getpid())
	exec(t, dsn, "CREATE DATABASE "+name+" ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
	t.Cleanup(func() { exec(t, dsn, "DROP DATABASE "+name+" WITH (FORCE)") })
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	latin := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
	if _, err := Open(ctx, latin, Options{}); err == nil || !strings.Contains(err.Error(), "LATIN1") {
		t.Fatalf("got %v, want a refusal naming the encoding", err)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(ctx, "postgres://[::1", Options{}); err == nil {
		t.Fatal("a malformed DSN was accepted")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	if _, err := Open(ctx, "postgres://x@"+addr+"/db?sslmode=disable&connect_timeout=2", Options{}); err == nil {
		t.Fatal("opened a store where no server listens")
	}
}

func TestClosedStoreFails(t *testing.T) {
	s, _ := openTest(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Account(ctx, "C1"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a closed store answered %v, want a failure", err)
	}
}
