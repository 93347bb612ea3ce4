package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// The review queue's size: what a busy region's centre holds after some
// months, and the share of it the queue lists.
const (
	// QueueTerminals sell for QueuePharmacies pharmacies, two each.
	QueueTerminals  = 10
	QueuePharmacies = QueueTerminals / 2
	queueCards      = 1000
	// Every queueFlagEvery-th charge carries a review reason (the agent
	// flagged it); every queueHoldEvery-th does not add up and is held.
	queueFlagEvery = 49
	queueHoldEvery = 199
)

// QueueStart is when the queue's first record was sold; one is sold every
// second after it, round the terminals.
var QueueStart = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// FillQueue stores n charges in s the way terminals send them (chained,
// in batches of wire.MaxBatch, each batch one Apply): a review reason on
// one in queueFlagEvery, bad arithmetic (held whole) on one in
// queueHoldEvery, spread over QueueTerminals terminals of QueuePharmacies
// pharmacies and a thousand cards. Rules are off (store.Judging.Bundle
// nil): the records carry their own findings. It is for the queue's
// benchmarks on each store.
func FillQueue(tb testing.TB, s store.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	hs := make([]policy.Holder, queueCards)
	for i := range hs {
		hs[i] = policy.Holder{CardNo: fmt.Sprintf("Q%06d", i), Name: "n", Status: "active", Balance: 1 << 50}
	}
	if err := s.ImportAccounts(ctx, hs); err != nil {
		tb.Fatal(err)
	}
	type chain struct {
		seq  uint64
		last string
		out  []wire.Entry
	}
	chains := make([]chain, QueueTerminals)
	for t := range chains {
		id := queueTerminal(t)
		if err := s.EnrolTerminal(ctx, store.Terminal{ID: id, Pharmacy: QueuePharmacy(t / 2), TokenHash: "h", EnrolledAt: QueueStart}); err != nil {
			tb.Fatal(err)
		}
	}
	flush := func(t int, at time.Time) {
		c := &chains[t]
		if len(c.out) == 0 {
			return
		}
		res, err := s.Apply(ctx, queueTerminal(t), c.out, store.Judging{ReceivedAt: at.Add(time.Minute)})
		if err != nil || res.AckedSeq != c.seq {
			tb.Fatalf("apply %s up to %d: %+v, %v", queueTerminal(t), c.seq, res, err)
		}
		c.out = c.out[:0]
	}
	var at time.Time
	for i := range n {
		t := i % QueueTerminals
		c := &chains[t]
		at = QueueStart.Add(time.Duration(i) * time.Second)
		c.seq++
		rec := queueCharge(queueTerminal(t), c.seq, c.last, at, i)
		e, err := wire.Seal(rec)
		if err != nil {
			tb.Fatal(err)
		}
		c.last = e.Hash
		if c.out = append(c.out, e); len(c.out) == wire.MaxBatch {
			flush(t, at)
		}
	}
	for t := range chains {
		flush(t, at)
	}
}

// queueCharge is the i-th charge of the queue: one line of one to three
// packs, by one of four cashiers; a flagged one carries a review reason,
// and every other flagged one a line's reason as well.
func queueCharge(terminal string, seq uint64, prev string, at time.Time, i int) wire.Record {
	qty := int64(1 + i%3)
	rec := wire.Record{
		Terminal: terminal, Seq: seq, PrevHash: prev, Kind: wire.KindCharge, At: at,
		TxnID: fmt.Sprintf("%s-%d", terminal, seq), CardNo: fmt.Sprintf("Q%06d", i%queueCards), Cashier: fmt.Sprintf("C%02d", i%4),
		Total: 1250 * qty, Account: 1000 * qty, Cash: 250 * qty,
		Lines: []wire.Line{{Code: "XA01BA001", Barcode: "6901234567892", Qty: qty, UnitPrice: 1250, Amount: 1250 * qty, Account: 1000 * qty, Cash: 250 * qty}},
	}
	if i%queueFlagEvery == 0 {
		rec.Reasons = []policy.Reason{{Code: policy.SplitDailyAmount, Severity: policy.Review, Message: "daily amount over the limit",
			MessageZh: "当日累计金额超过限额", Evidence: map[string]any{"sum": 31000, "limit": 30000}}}
		if i%2 == 0 {
			rec.Lines[0].Reasons = []policy.Reason{{Code: policy.PriceAboveCap, Severity: policy.Review, Message: "price above the cap",
				MessageZh: "价格超过限价", Evidence: map[string]any{"excess": 50}}}
		}
	}
	if i%queueHoldEvery == 1 {
		rec.Cash++ // does not add up: BAD_ARITHMETIC, held whole
	}
	return rec
}

func queueTerminal(t int) string { return fmt.Sprintf("QT%02d", t) }

// QueuePharmacy names the queue's p-th pharmacy.
func QueuePharmacy(p int) string { return fmt.Sprintf("QP%02d", p) }

// BenchQueue times the review queue's first page of 50 (what the console
// lists) on a store FillQueue filled: the whole region, one pharmacy, the
// held records only, a pharmacy's held records in one day, and the worst
// case, a queue filter nothing matches (held voids), which reads every
// record the queue holds.
func BenchQueue(b *testing.B, s store.Store) {
	day := QueueStart
	for _, bc := range []struct {
		name string
		f    store.Filter
		want int
	}{
		{"flagged", store.Filter{Flagged: true}, 50},
		{"flagged-pharmacy", store.Filter{Flagged: true, Pharmacy: QueuePharmacy(2)}, 50},
		{"held", store.Filter{Held: true}, 50},
		{"held-pharmacy-day", store.Filter{Held: true, Pharmacy: QueuePharmacy(3), From: day, To: day.Add(24 * time.Hour)}, 50},
		{"nothing-matches", store.Filter{Held: true, Kind: wire.KindVoid}, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bc.f.Limit = 50
			for b.Loop() {
				ts, err := s.Transactions(context.Background(), bc.f)
				if err != nil || len(ts) != bc.want {
					b.Fatalf("%+v: %d records, %v", bc.f, len(ts), err)
				}
			}
		})
	}
}
