// Package pgtest gives tests a real PostgreSQL: an empty database of their
// own, on the server named by POSAGENT_PG_DSN or else on a throwaway
// cluster it creates from the PostgreSQL binaries installed on this machine
// (Debian's postgresql package). It is for tests only.
//
// A package whose tests call Start should run them through Main, so that
// they share one cluster, and so that a finished test's database is emptied
// and handed to the next test rather than created anew (which takes half a
// second):
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Without Main, each test starts and stops a cluster of its own (slower,
// but nothing is left running).
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// Environment variables.
const (
	// EnvDSN names a server to use instead of a throwaway cluster. Its
	// role must be allowed to create and drop databases.
	EnvDSN = "POSAGENT_PG_DSN"
	// EnvRequireAll set to 1 turns "PostgreSQL not installed" from a skip
	// into a failure, for CI.
	EnvRequireAll = "POSAGENT_REQUIRE_ALL"
	// EnvBin names the directory holding initdb and postgres, when they
	// are not in /usr/lib/postgresql/*/bin or on PATH; only it is searched.
	EnvBin = "POSAGENT_PG_BIN"
)

// skipMessage is what a test without PostgreSQL reports.
const skipMessage = "PostgreSQL not installed: apt-get install postgresql (set " + EnvRequireAll + "=1 to make this a failure)"

// errNotInstalled means no PostgreSQL binaries (or, as root, no postgres
// user to run them as) were found.
var errNotInstalled = errors.New("PostgreSQL not installed")

// setupTimeout bounds starting a cluster and creating or dropping a
// database.
const setupTimeout = 60 * time.Second

// shared is the cluster the tests of a package run through Main share.
var shared struct {
	inMain bool
	once   sync.Once
	c      *cluster
	err    error
}

// Main runs a package's tests, sharing one cluster among them, stops the
// cluster and exits. Call it from TestMain.
func Main(m *testing.M) {
	shared.inMain = true
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	if err := dropFree(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
	}
	if shared.c != nil {
		if err := shared.c.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
	}
	cancel()
	os.Exit(code)
}

// Start returns the DSN (a postgres:// URL) of an empty database that is
// the test's alone until it ends; then whoever is still connected to it is
// disconnected, and it is emptied for the next test (under Main) or
// dropped. It skips the test when PostgreSQL is not installed, unless
// POSAGENT_REQUIRE_ALL=1, and fails it when PostgreSQL is installed but
// does not start.
func Start(t testing.TB) (dsn string) {
	t.Helper()
	admin, err := server(t)
	if errors.Is(err, errNotInstalled) {
		if os.Getenv(EnvRequireAll) == "1" {
			t.Fatalf("%s: %v", skipMessage, err)
		}
		t.Skipf("%s (%v)", skipMessage, err)
	}
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	name, err := takeDatabase(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		release := dropDatabase
		if shared.inMain {
			release = giveBack
		}
		if err := release(ctx, admin, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	dsn, err = withDatabase(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsn
}

// server returns the DSN of a server's maintenance database: the one in
// POSAGENT_PG_DSN, the shared cluster's, or a cluster of this test's own.
func server(t testing.TB) (string, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return dsn, nil
	}
	if shared.inMain {
		shared.once.Do(func() { shared.c, shared.err = startCluster() })
		if shared.err != nil {
			return "", shared.err
		}
		return shared.c.dsn, nil
	}
	c, err := startCluster()
	if err != nil {
		return "", err
	}
	t.Cleanup(func() {
		if err := c.stop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return c.dsn, nil
}
