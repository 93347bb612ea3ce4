package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"posagent/internal/sample"
	"posagent/policy"
	"posagent/sync/wire"
	"posagent/sync/wire/wiretest"
)

var (
	ctx = context.Background()
	t0  = time.Date(2025, 3, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
)

// openTest opens a store in a fresh temporary directory, closed at cleanup.
func openTest(t testing.TB) (*Bolt, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "centre.db")
	return reopen(t, path), path
}

// reopen opens the store at path, closed at cleanup.
func reopen(t testing.TB, path string) *Bolt {
	t.Helper()
	s, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func enrol(t testing.TB, s Store, id, pharmacy string) {
	t.Helper()
	if err := s.EnrolTerminal(ctx, Terminal{ID: id, Pharmacy: pharmacy, TokenHash: "h", EnrolledAt: t0}); err != nil {
		t.Fatal(err)
	}
}

func importAccounts(t testing.TB, s Store, hs ...policy.Holder) {
	t.Helper()
	if err := s.ImportAccounts(ctx, hs); err != nil {
		t.Fatal(err)
	}
}

func active(card string, balance int64) policy.Holder {
	return policy.Holder{CardNo: card, Name: "n" + card, Status: "active", Balance: balance}
}

func balance(t testing.TB, s Store, card string) int64 {
	t.Helper()
	h, err := s.Account(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	return h.Balance
}

// newJournal starts a terminal's journal, its records a minute apart
// from t0.
func newJournal(t testing.TB, terminal string) *wiretest.Journal {
	return wiretest.NewJournal(t, terminal, t0)
}

func apply(t testing.TB, s Store, terminal string, es ...wire.Entry) ApplyResult {
	t.Helper()
	res, err := s.Apply(ctx, terminal, es, Judging{ReceivedAt: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// sampleBundle is the repository's sample catalogue and rules as
// version 1.
func sampleBundle(t testing.TB) *policy.Bundle { return sample.Bundle(t, 1) }
