package store_test

import (
	"path/filepath"
	"testing"

	"posagent/sync/centre/store"
	"posagent/sync/centre/store/storetest"
)

// TestBoltConformance runs the behavioural contract every Store meets
// against the embedded bbolt store.
func TestBoltConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.OpenBolt(filepath.Join(t.TempDir(), "centre.db"), store.BoltOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
