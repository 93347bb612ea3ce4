package store_test

import (
	"flag"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"posagent/sync/centre/store"
	"posagent/sync/centre/store/storetest"
)

var queueRecords = flag.Int("queue-records", 1_000_000, "records stored for BenchmarkQueue")

// BenchmarkQueue lists the review queue's first page (50 records, as the
// console asks) from a store holding -queue-records charges, one in fifty
// flagged and one in two hundred held (storetest.FillQueue). Filling the
// store is not timed; it is logged.
func BenchmarkQueue(b *testing.B) {
	s, err := store.OpenBolt(filepath.Join(b.TempDir(), "centre.db"), store.BoltOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	start := time.Now()
	storetest.FillQueue(b, s, *queueRecords)
	b.Logf("stored %d records in %v", *queueRecords, time.Since(start))
	storetest.BenchQueue(b, s)
}
