package pgstore

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// The benchmarks mirror the embedded store's BenchmarkApplyBatch500: the
// same typical charge (three lines, one review reason), on 1000 cards,
// 500 entries a batch, each batch one transaction, committed durably
// (fsync on; the throwaway cluster runs PostgreSQL's defaults).

const benchCards = 1000

// benchChain seals a terminal's typical charges, continuing its chain.
type benchChain struct {
	terminal string
	seq      uint64
	last     string
}

func (c *benchChain) next(b *testing.B, n int) []wire.Entry {
	reason := policy.Reason{Code: policy.SplitDailyAmount, Severity: policy.Review, Message: "daily amount over the limit",
		MessageZh: "当日累计金额超过限额", Evidence: map[string]any{"sum": 31000, "limit": 30000}}
	lines := make([]wire.Line, 3)
	for k := range lines {
		lines[k] = wire.Line{Code: fmt.Sprintf("XA01BA%03d", k), Barcode: "6901234567892", Qty: 2, UnitPrice: 1250,
			Amount: 2500, Account: 2000, Cash: 500, Days: 7000}
	}
	out := make([]wire.Entry, n)
	for i := range out {
		c.seq++
		e, err := wire.Seal(wire.Record{
			Terminal: c.terminal, Seq: c.seq, PrevHash: c.last, Kind: wire.KindCharge, At: t0.Add(time.Duration(c.seq) * time.Second),
			TxnID: fmt.Sprintf("%s-%d", c.terminal, c.seq), CardNo: fmt.Sprintf("C%06d", int(c.seq)%benchCards),
			Cashier: "cashier-01", QuoteID: "q-0123456789", IdempotencyKey: "k-0123456789", RulesVersion: 12,
			Total: 7500, Account: 6000, Cash: 1500, Lines: lines, Reasons: []policy.Reason{reason},
		})
		if err != nil {
			b.Fatal(err)
		}
		c.last, out[i] = e.Hash, e
	}
	return out
}

// benchStore opens a store with the cards and the terminals.
func benchStore(b *testing.B, terminals ...string) *Store {
	s, _ := openTest(b)
	for _, id := range terminals {
		if err := s.EnrolTerminal(ctx, store.Terminal{ID: id, Pharmacy: "P1"}); err != nil {
			b.Fatal(err)
		}
	}
	hs := make([]policy.Holder, benchCards)
	for i := range hs {
		hs[i] = policy.Holder{CardNo: fmt.Sprintf("C%06d", i), Status: "active", Balance: 1 << 40}
	}
	if err := s.ImportAccounts(ctx, hs); err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkApplyBatch500(b *testing.B) {
	s := benchStore(b, "T1")
	chain := &benchChain{terminal: "T1"}
	n := 0
	for b.Loop() {
		b.StopTimer()
		batch := chain.next(b, wire.MaxBatch)
		b.StartTimer()
		res, err := s.Apply(ctx, "T1", batch, store.Judging{ReceivedAt: t0})
		if err != nil || len(res.Results) != wire.MaxBatch {
			b.Fatalf("apply: %v (%d results)", err, len(res.Results))
		}
		n++
	}
	b.ReportMetric(float64(n*wire.MaxBatch)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkApplyOneEntry is the latency a connected agent's charge waits
// for: a batch of one.
func BenchmarkApplyOneEntry(b *testing.B) {
	s := benchStore(b, "T1")
	chain := &benchChain{terminal: "T1"}
	for b.Loop() {
		b.StopTimer()
		batch := chain.next(b, 1)
		b.StartTimer()
		if _, err := s.Apply(ctx, "T1", batch, store.Judging{ReceivedAt: t0}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyBatch500Parallel applies from several terminals at once
// (two per GOMAXPROCS) on shared cards: the centre serving many pharmacies.
func BenchmarkApplyBatch500Parallel(b *testing.B) {
	b.SetParallelism(2)
	terminals := make([]string, 2*runtime.GOMAXPROCS(0))
	chains := make(chan *benchChain, len(terminals))
	for i := range terminals {
		terminals[i] = fmt.Sprintf("T%d", i+1)
		chains <- &benchChain{terminal: terminals[i]}
	}
	s := benchStore(b, terminals...)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		chain := <-chains // one terminal per goroutine: its batches go in order
		for pb.Next() {
			if _, err := s.Apply(ctx, chain.terminal, chain.next(b, wire.MaxBatch), store.Judging{ReceivedAt: t0}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*wire.MaxBatch)/b.Elapsed().Seconds(), "entries/s")
}
