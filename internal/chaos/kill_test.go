package chaos_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"posagent/internal/chaos"
	"posagent/reader"
)

// TestKillNineAgentAndCentre sells without pause while a killer sends
// SIGKILL to the agent or the centre at random moments and restarts the
// killed one at once. A charge whose answer was lost is asked again with
// the same idempotency key. At the end both restart cleanly, the agent
// catches up, and the audit finds every answered charge (and void) in the
// journal and at the centre exactly once, nothing else, no chain flag and
// every balance exact.
func TestKillNineAgentAndCentre(t *testing.T) {
	kills := *flagKills
	if testing.Short() {
		kills = min(kills, 10)
	}
	s := seed(t)
	r := newRig(t, nil)
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute+time.Duration(kills)*time.Second)
	defer cancel()

	killer := &chaos.Killer{Procs: []*chaos.Proc{r.agent, r.centre}, Kills: kills,
		Rand: rand.New(rand.NewPCG(s, 1)), StartupShare: 0.1}
	type killResult struct {
		counts chaos.KillCounts
		err    error
	}
	killed := make(chan killResult, 1)
	killerDone := make(chan struct{})
	go func() {
		defer close(killerDone)
		counts, err := killer.Run(ctx)
		killed <- killResult{counts, err}
	}()
	defer func() { cancel(); <-killerDone }() // no restart after the test's cleanup
	c := &chaos.Cashier{POS: r.pos, Line: r.line, Agent: r.agent, Name: "chaos-cashier",
		Scanner: r.scanner, Issue: r.world.IssueVoucher}
	stream := &saleStream{c: c, cards: r.world.Cards, rng: rand.New(rand.NewPCG(s, 2)), keyPrefix: fmt.Sprintf("kill-%d", s)}
	var kr killResult
	for kr.counts == nil {
		select {
		case kr = <-killed:
		default:
			if err := stream.next(ctx); err != nil {
				t.Fatalf("after %d sales: %v", len(stream.sales), err)
			}
		}
	}
	if kr.err != nil {
		t.Fatal(kr.err)
	}
	chaosTime := time.Since(began)

	rep := r.finish(ctx, chaos.Expect{Terminal: chaos.Terminal, Sales: stream.sales, Voids: stream.voids, Initial: r.world.Initial})
	retried := 0
	for _, sale := range stream.sales {
		if sale.Retries > 0 {
			retried++
		}
	}
	t.Logf("kills: %d of the agent, %d of the centre (%d in all) in %v; whole test %v",
		kr.counts["posagent"], kr.counts["centre"], kr.counts["posagent"]+kr.counts["centre"],
		chaosTime.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	t.Logf("charges answered: %d (%d retried after a lost answer, %d of them answered from the journal after a restart), voids: %d",
		len(stream.sales), retried, c.Counts.Recovered.Load(), len(stream.voids))
	logCashier(t, c, stream.sales)
	t.Logf("audit: journal %d records (%d charges, %d voids); centre %d records (%d charges, %d voids); %d balances exact",
		rep.JournalRecords, rep.JournalCharges, rep.JournalVoids, rep.CentreRecords, rep.CentreCharges, rep.CentreVoids, rep.Cards)
	if got := kr.counts["posagent"] + kr.counts["centre"]; got != kills {
		t.Errorf("%d kills, want %d", got, kills)
	}
	if len(stream.sales) < kills {
		t.Errorf("only %d charges answered across %d kills: the harness barely sold", len(stream.sales), kills)
	}
	if rep.CentreCharges != len(stream.sales) || rep.JournalCharges != len(stream.sales) {
		t.Errorf("charges: %d answered, %d in the journal, %d at the centre", len(stream.sales), rep.JournalCharges, rep.CentreCharges)
	}
}

// saleStream is a cashier's day: sales on a card that changes every few
// sales, at random prices, with now and then a void of the last sale.
type saleStream struct {
	c         *chaos.Cashier
	cards     []reader.CardFile
	rng       *rand.Rand
	keyPrefix string
	sales     []chaos.Sale
	voids     []chaos.VoidResult
}

// Shape of the stream.
const (
	salesPerCard = 5
	voidEvery    = 50 // one sale in voidEvery, on average, is voided
)

// next makes one sale, and perhaps voids it.
func (s *saleStream) next(ctx context.Context) error {
	n := len(s.sales)
	card := s.cards[(n/salesPerCard)%len(s.cards)]
	price := 100 + s.rng.Int64N(chaos.Item.PriceCap-100+1)
	if n%voucherEvery == 0 {
		s.c.PresentVoucher(ctx, card) // when it is not taken, the card is presented as usual
	}
	sale, err := s.c.Sell(ctx, fmt.Sprintf("%s-%06d", s.keyPrefix, n), card, price)
	if err != nil {
		return err
	}
	s.sales = append(s.sales, sale)
	if s.rng.IntN(voidEvery) != 0 {
		return nil
	}
	v, err := s.c.Void(ctx, sale)
	if err != nil {
		return err
	}
	s.voids = append(s.voids, v)
	return nil
}
