package client

import (
	"testing"
	"time"

	"posagent/agent/agenttest"
)

// BenchmarkDrain10k drains a 10,000-entry journal backlog to a real centre
// over loopback: dial, hello, and every batch applied and acknowledged,
// from Run's start to the last ack. Setting up the centre and building the
// journal are not timed.
func BenchmarkDrain10k(b *testing.B) {
	const n = 10_000
	var elapsed time.Duration
	for range b.N {
		b.StopTimer()
		tc := startCentre(b)
		j, charged := agenttest.Backlog(b, n)
		cfg := tc.clientConfig(b, j, newTestHandler(tc.pub))
		b.StartTimer()

		start := time.Now()
		c, stop := runClient(b, cfg)
		for c.Status().AckedSeq < n {
			time.Sleep(500 * time.Microsecond)
		}
		elapsed += time.Since(start)

		b.StopTimer()
		stop()
		tc.checkApplied(b, charged, n)
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "entries/s")
}
