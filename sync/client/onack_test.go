package client

import (
	"sync"
	"testing"
	"time"

	"posagent/agent/agenttest"
	"posagent/sync/wire"
)

// TestOnAckReportsEveryAcknowledgedBatch checks the metrics hook: every
// entry of the backlog is reported once, in batches of at most MaxBatch,
// each with the time its ack took (how long is the machine's business).
func TestOnAckReportsEveryAcknowledgedBatch(t *testing.T) {
	tc := startCentre(t)
	j, charged := agenttest.Backlog(t, 1200)
	var (
		mu      sync.Mutex
		batches []int
		waits   []time.Duration
	)
	cfg := tc.clientConfig(t, j, newTestHandler(tc.pub))
	cfg.OnAck = func(entries int, latency time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		batches, waits = append(batches, entries), append(waits, latency)
	}
	_, stop := runClient(t, cfg)
	eventually(t, "backlog of 1200 acked", func() bool { return j.Acked() == 1200 })
	stop()
	tc.checkApplied(t, charged, 1200)

	mu.Lock()
	defer mu.Unlock()
	total := 0
	for i, n := range batches {
		total += n
		if n < 1 || n > wire.MaxBatch || waits[i] <= 0 {
			t.Errorf("batch %d: %d entries acked after %v", i, n, waits[i])
		}
	}
	if total != 1200 || len(batches) < 3 {
		t.Fatalf("OnAck saw %d entries in %d batches %v, want 1200 in at least 3", total, len(batches), batches)
	}
}
