package pgstore

import (
	"context"
	"testing"

	"posagent/internal/pgtest"
	"posagent/sync/centre/store"
	"posagent/sync/centre/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openTest opens a store on a fresh database, closed when the test ends.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	dsn := pgtest.Start(t)
	s, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, dsn
}

// TestConformance runs the behavioural contract every Store meets.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openTest(t)
		return s
	})
}
