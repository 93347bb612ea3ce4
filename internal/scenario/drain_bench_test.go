package scenario

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/agent"
	"posagent/agent/journal"
	"posagent/policy"
	"posagent/sync/centre/datadir"
	"posagent/sync/centre/service"
	"posagent/sync/centre/store"
	"posagent/sync/client"
	"posagent/sync/wire"
)

// backlogSize is the records a terminal has waiting after a long outage in
// the drain benchmarks.
const backlogSize = 100_000

// BenchmarkDrain100k times a terminal's 100,000-record backlog draining to
// a real centre over loopback: the sync client reading the agent's
// journal, the centre applying each batch to its bbolt ledger in one
// transaction, acks moving the journal's outbox cursor. Building the
// backlog and the centre is not timed. Run it with -benchtime=1x.
func BenchmarkDrain100k(b *testing.B) {
	var size int64
	for range b.N {
		b.StopTimer()
		r := newDrainRig(b)
		size = backlogBytes(b, r.j)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)

		b.StartTimer()
		go func() { done <- r.c.Run(ctx) }()
		deadline := time.Now().Add(5 * time.Minute)
		for r.j.Acked() < backlogSize {
			if time.Now().After(deadline) {
				b.Fatalf("drain stalled at seq %d: %+v", r.j.Acked(), r.c.Status())
			}
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()

		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		r.check(b)
		r.close()
	}
	b.SetBytes(size)
	b.ReportMetric(float64(backlogSize*b.N)/b.Elapsed().Seconds(), "records/s")
}

// drainRig is a terminal with a full backlog and a centre to drain it to.
type drainRig struct {
	j   *journal.Journal
	svc *service.Service
	c   *client.Client
}

func newDrainRig(b *testing.B) *drainRig {
	b.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := b.TempDir()
	r := &drainRig{j: openBacklog(b, filepath.Join(dir, "journal.db"), quiet)}
	var token string
	r.svc, token = drainCentre(b, filepath.Join(dir, "centre"), quiet)
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	a, err := agent.New(agent.Config{Terminal: "T001", Journal: r.j, CentreKey: pub, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	r.c, err = client.New(client.Config{URL: "ws://" + r.svc.Addr(), Terminal: "T001", Token: token, Outbox: r.j, Handler: a, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// check asserts that the centre applied the whole backlog.
func (r *drainRig) check(b *testing.B) {
	b.Helper()
	t, err := r.svc.Store().Terminal(context.Background(), "T001")
	if err != nil || t.AckedSeq != backlogSize {
		b.Fatalf("centre acked %d (%v), want %d", t.AckedSeq, err, backlogSize)
	}
}

func (r *drainRig) close() {
	r.svc.Close()
	r.j.Close()
}

// BenchmarkBulkBolt100k is the ceiling for BenchmarkDrain100k: the same
// 100,000 entries' bytes (hash and body, as the journal stores them) put
// into a bare bbolt file in one transaction and committed, tuned as a bulk
// load would be: keys in order packed into full pages, and a memory map
// large enough that bbolt never remaps (and copies every node) mid-write.
func BenchmarkBulkBolt100k(b *testing.B) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	src := openBacklog(b, filepath.Join(b.TempDir(), "journal.db"), quiet)
	var vals [][]byte
	for after := uint64(0); after < backlogSize; after += 5000 {
		es, err := src.Entries(after, 5000)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range es {
			vals = append(vals, append([]byte(e.Hash), e.Body...))
		}
	}
	src.Close()
	b.SetBytes(backlogBytes(b, nil, vals...))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db, err := bolt.Open(filepath.Join(b.TempDir(), "bulk.db"), 0o600, &bolt.Options{InitialMmapSize: 1 << 30})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		err = db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucket([]byte("entries"))
			if err != nil {
				return err
			}
			bk.FillPercent = 1
			for i, v := range vals {
				if err := bk.Put(seqKey(uint64(i+1)), v); err != nil {
					return err
				}
			}
			return nil
		})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	b.ReportMetric(float64(backlogSize*b.N)/b.Elapsed().Seconds(), "records/s")
}

// openBacklog opens a journal at path for T001 and fills it with the
// backlog, 5,000 records a transaction.
func openBacklog(b *testing.B, path string, log *slog.Logger) *journal.Journal {
	b.Helper()
	j, err := journal.Open(path, journal.Options{Terminal: "T001", Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 11, 1, 8, 0, 0, 0, shanghai)
	for n := 0; n < backlogSize; n += 5000 {
		recs := make([]wire.Record, 0, 5000)
		for i := n; i < n+5000; i++ {
			recs = append(recs, backlogCharge(i, start.Add(time.Duration(i)*20*time.Second)))
		}
		if _, err := j.AppendBatch(recs); err != nil {
			b.Fatal(err)
		}
	}
	return j
}

// backlogBytes is the size of the backlog's entries (hash and body), read
// from j or given as vals.
func backlogBytes(b *testing.B, j *journal.Journal, vals ...[]byte) int64 {
	b.Helper()
	var n int64
	for _, v := range vals {
		n += int64(len(v))
	}
	if j == nil {
		return n
	}
	for after := uint64(0); after < j.LastSeq(); after += 5000 {
		es, err := j.Entries(after, 5000)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range es {
			n += int64(len(e.Hash) + len(e.Body))
		}
	}
	return n
}

// backlogCards is how many accounts the backlog's charges spread over.
const backlogCards = 2000

func backlogCard(i int) string { return fmt.Sprintf("B%08d", i%backlogCards) }

// backlogCharge is the i-th charge of the backlog: one to three lines of
// sample items, now and then a price above the cap sent partly to cash
// and flagged for review, as a busy counter's charges look.
func backlogCharge(i int, at time.Time) wire.Record {
	items := []wire.Line{
		{Code: "D0028", Barcode: "6901234500288", Qty: 2, UnitPrice: 500, Amount: 1000, Account: 1000},
		{Code: "D0004", Barcode: "6901234500042", Qty: 1, UnitPrice: 1290, Amount: 1290, Account: 1290, Days: 5000},
		{Code: "D0001", Barcode: "6901234500011", Qty: 1, UnitPrice: 2380, RxID: fmt.Sprintf("RX-%08d", i), Amount: 2380, Account: 2380, Days: 30000},
	}
	lines := items[:1+i%3]
	if i%17 == 0 {
		l := &lines[0]
		l.UnitPrice, l.Amount, l.Cash = 560, 1120, 120
		en, zh := policy.Message(policy.PriceAboveCap)
		l.Reasons = []policy.Reason{{Code: policy.PriceAboveCap, Severity: policy.Review, Message: en, MessageZh: zh,
			Evidence: map[string]any{"code": "D0028", "unit_price": 560, "price_cap": 500, "excess": 120}}}
	}
	rec := wire.Record{
		Kind: wire.KindCharge, TxnID: fmt.Sprintf("T001-%s-%012x", at.Format("20060102"), i), At: at,
		CardNo: backlogCard(i), Cashier: fmt.Sprintf("C%02d", i%4), QuoteID: fmt.Sprintf("q-%012x", i),
		IdempotencyKey: fmt.Sprintf("pos-%d", i), RulesVersion: 7, Offline: true, Lines: lines,
		Extra: map[string]int64{"balance_before": 500000},
	}
	for _, l := range lines {
		rec.Total += l.Amount
		rec.Account += l.Account
		rec.Cash += l.Cash
	}
	return rec
}

// drainCentre starts a centre over dir with the backlog's accounts and
// terminal T001 enrolled; it returns the service and T001's token.
func drainCentre(b *testing.B, dir string, log *slog.Logger) (*service.Service, string) {
	b.Helper()
	ctx := context.Background()
	st, err := datadir.OpenBolt(dir, store.BoltOptions{Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := service.Start(ctx, service.Config{DataDir: dir, Listen: "127.0.0.1:0", Logger: log, Store: st})
	if err != nil {
		b.Fatal(err)
	}
	holders := make([]policy.Holder, backlogCards)
	for i := range holders {
		holders[i] = policy.Holder{CardNo: backlogCard(i), Name: "持卡人", Status: "active", Balance: 100_000_000}
	}
	if err := svc.Store().ImportAccounts(ctx, holders); err != nil {
		b.Fatal(err)
	}
	token, err := svc.Centre().Enrol(ctx, "T001", "P001")
	if err != nil {
		b.Fatal(err)
	}
	return svc, token
}
