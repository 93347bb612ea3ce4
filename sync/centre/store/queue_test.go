package store_test

import (
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/centre/store/storetest"
)

// openQuiet opens the bbolt store at path, closed at cleanup.
func openQuiet(t *testing.T, path string) *store.Bolt {
	t.Helper()
	s, err := store.OpenBolt(path, store.BoltOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawBuckets opens the closed store file with bbolt itself and runs fn in
// a write transaction.
func rawBuckets(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// TestQueueIndexFollowsRulings checks that a ruled hold leaves the
// awaiting index (the held queue reads only what awaits a ruling), and a
// store written before the queue's indexes existed gets them on open:
// the queue then lists what it listed before.
func TestQueueIndexFollowsRulings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "centre.db")
	s := openQuiet(t, path)
	storetest.FillQueue(t, s, 2000)
	held, err := s.Transactions(t.Context(), store.Filter{Held: true})
	if err != nil || len(held) < 6 {
		t.Fatalf("held: %d, %v", len(held), err)
	}
	// Two accepted, two refused: out of the queue; one deferred: still in.
	for i, x := range held[:5] {
		action := []string{ledger.RulingAccept, ledger.RulingRefuse, ledger.RulingAccept, ledger.RulingRefuse, ledger.RulingDefer}[i]
		req := store.RulingRequest{Terminal: x.Terminal, Seq: x.Seq, Action: action, By: "sup", Note: "seen",
			At: storetest.QueueStart.Add(48 * time.Hour), SecondReviewAmount: 50000}
		if _, err := s.Rule(t.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	flagged, err := s.Transactions(t.Context(), store.Filter{Flagged: true, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	count := func(name string) (n int) {
		rawBuckets(t, path, func(tx *bolt.Tx) error {
			n = tx.Bucket([]byte(name)).Stats().KeyN
			return nil
		})
		return n
	}
	if n := count("awaiting_by_time"); n != len(held)-4 {
		t.Errorf("awaiting index: %d entries after 4 of %d holds were ruled, want %d", n, len(held), len(held)-4)
	}
	if n := count("review_by_pharmacy"); n != len(flagged) {
		t.Errorf("review index: %d entries, want the %d flagged records", n, len(flagged))
	}

	// The store as an older build left it: no queue indexes.
	rawBuckets(t, path, func(tx *bolt.Tx) error {
		for _, name := range []string{"review_by_time", "review_by_pharmacy", "review_by_terminal",
			"awaiting_by_time", "awaiting_by_pharmacy", "awaiting_by_terminal"} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Delete([]byte("queue_index"))
	})
	s = openQuiet(t, path)
	for _, f := range []store.Filter{{Held: true}, {Flagged: true, Limit: 10000}} {
		got, err := s.Transactions(t.Context(), f)
		want := held[4:]
		if f.Flagged {
			want = flagged
		}
		if err != nil || !slices.EqualFunc(got, want, func(a, b store.Txn) bool { return a.Terminal == b.Terminal && a.Seq == b.Seq }) {
			t.Errorf("%+v after the indexes were rebuilt: %d records, %v; want %d", f, len(got), err, len(want))
		}
	}
}
