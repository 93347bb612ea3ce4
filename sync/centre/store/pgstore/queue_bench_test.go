package pgstore

import (
	"context"
	"flag"
	"log/slog"
	"testing"
	"time"

	"posagent/internal/pgtest"
	"posagent/sync/centre/store/storetest"
)

var queueRecords = flag.Int("queue-records", 1_000_000, "records stored for BenchmarkQueue")

// BenchmarkQueue is the embedded store's BenchmarkQueue on PostgreSQL:
// the review queue's first page of 50 from a store holding -queue-records
// charges (storetest.FillQueue). Filling the store is not timed; it is
// logged.
func BenchmarkQueue(b *testing.B) {
	s, err := Open(context.Background(), pgtest.Start(b), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	start := time.Now()
	storetest.FillQueue(b, s, *queueRecords)
	if _, err := s.pool.Exec(context.Background(), "ANALYZE records"); err != nil {
		b.Fatal(err)
	}
	b.Logf("stored %d records in %v", *queueRecords, time.Since(start))
	storetest.BenchQueue(b, s)
}
