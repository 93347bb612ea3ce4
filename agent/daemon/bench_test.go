package daemon_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/internal/demo"
	"posagent/policy"
)

// benchWorld is world for benchmarks.
func benchWorld(b *testing.B) (*demo.Env, context.Context, string) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	dir := b.TempDir()
	env, err := demo.Start(ctx, demo.Options{Dir: dir, Clock: demo.ClockAt(agenttest.Shanghai, 10), Logger: agenttest.Quiet()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { env.Close() })
	if err := env.WaitReady(ctx); err != nil {
		b.Fatal(err)
	}
	card, err := env.Card("chen-gang")
	if err != nil {
		b.Fatal(err)
	}
	if err := env.Swipe(ctx, card); err != nil {
		b.Fatal(err)
	}
	return env, ctx, dir
}

// benchCharges times POST /v1/charge (the quote before each is not timed):
// the charge is evaluated again, fsynced to the journal and, when the
// centre is connected, settled there before the answer.
func benchCharges(b *testing.B, env *demo.Env, ctx context.Context) {
	line := policy.Line{Code: "D0034", Barcode: "6901234500349", Qty: 1, UnitPrice: 3400}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		q, err := env.POS.Quote(ctx, agent.QuoteRequest{Cashier: "B", Lines: []policy.Line{line}})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := env.POS.Charge(ctx, agent.ChargeRequest{QuoteID: q.QuoteID, IdempotencyKey: fmt.Sprint("bench-", i), Confirm: q.Required}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChargeAPISettledAtCentre(b *testing.B) {
	env, ctx, _ := benchWorld(b)
	benchCharges(b, env, ctx)
}

func BenchmarkChargeAPIOffline(b *testing.B) {
	env, ctx, _ := benchWorld(b)
	if err := env.StopCentre(); err != nil {
		b.Fatal(err)
	}
	benchCharges(b, env, ctx)
}

// BenchmarkBareBoltCommit is the floor: one key in its own fsynced bbolt
// transaction, in a file on the same disk as the benchmarks above.
func BenchmarkBareBoltCommit(b *testing.B) {
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 1500) // about a charge record's size
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		err := db.Update(func(tx *bbolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("k"))
			if err != nil {
				return err
			}
			return bk.Put([]byte(fmt.Sprintf("%016d", i)), val)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
