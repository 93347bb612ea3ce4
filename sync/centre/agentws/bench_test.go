package agentws_test

import (
	"fmt"
	"testing"
	"time"

	"posagent/sync/centre/centretest"
	"posagent/sync/wire"
)

// BenchmarkEntriesOverWebsocket measures the centre's sync path end to
// end: batches of 500 chained charges over a loopback websocket, each
// applied in one store transaction and acked.
func BenchmarkEntriesOverWebsocket(b *testing.B) {
	c := centretest.Start(b)
	tok := c.Enrol("T1", "P1")
	cards := map[string]int64{}
	for i := 0; i < 100; i++ {
		cards[fmt.Sprintf("%d", 100000+i)] = 1 << 40
	}
	c.Accounts(cards)
	ch := &centretest.Chain{Terminal: "T1"}
	at := time.Now()
	for i := 0; i < b.N; i++ {
		ch.Charge(b, fmt.Sprintf("%d", 100000+i%100), 100, at)
	}
	a := c.Connect("T1", tok)
	a.Hello(uint64(b.N), 0, 0)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i += wire.MaxBatch {
		ack := a.SendEntries(ch.Entries[i:min(i+wire.MaxBatch, b.N)])
		if ack.AckedSeq != uint64(min(i+wire.MaxBatch, b.N)) {
			b.Fatalf("ack %d", ack.AckedSeq)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "entries/s")
}
