package chaos_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"posagent/internal/chaos"
	"posagent/internal/netproxy"
)

// TestChargesThroughCutLink sells through a link that is cut every 1–3 s
// and now and then black-holed for a few seconds (bytes dropped, the
// connection left open), from a few cashiers at once. At the end the centre
// holds every charge exactly once and every balance is exact.
func TestChargesThroughCutLink(t *testing.T) {
	total := *flagCharges
	if testing.Short() {
		total = min(total, 1000)
	}
	t.Parallel() // with TestStalledLinkIsDetected, which mostly waits
	s := seed(t)
	var proxy *netproxy.Proxy
	r := newRig(t, func(centre string) string {
		p, err := netproxy.New(centre)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		proxy = p
		return p.Addr()
	})
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	linkCtx, stopLink := context.WithCancel(ctx)
	link := &linkChaos{proxy: proxy, rng: rand.New(rand.NewPCG(s, 3))}
	linkDone := make(chan struct{})
	go func() { defer close(linkDone); link.run(linkCtx) }()

	c := &chaos.Cashier{POS: r.pos, Line: r.line, Name: "chaos-cashier", Scanner: r.scanner, Issue: r.world.IssueVoucher}
	sales, err := sellConcurrently(ctx, c, r.world, total, rand.New(rand.NewPCG(s, 4)), fmt.Sprintf("cut-%d", s))
	stopLink()
	<-linkDone
	proxy.SetBlackhole(false)
	if err != nil {
		t.Fatalf("after %d sales: %v", len(sales), err)
	}
	selling := time.Since(began)

	rep := r.finish(ctx, chaos.Expect{Terminal: chaos.Terminal, Sales: sales, Initial: r.world.Initial})
	settled := 0
	for _, sale := range sales {
		if sale.Settled == "centre" {
			settled++
		}
	}
	t.Logf("%d charges in %v (whole test %v): %d settled at the centre at once, %d offline",
		len(sales), selling.Round(time.Millisecond), time.Since(began).Round(time.Millisecond), settled, len(sales)-settled)
	t.Logf("link: %d cuts (%d connections cut), %d black holes; proxy accepted %d connections",
		link.cuts, link.conns, link.holes, proxy.Accepted())
	logCashier(t, c, sales)
	t.Logf("audit: journal %d records (%d charges); centre %d records (%d charges); %d balances exact",
		rep.JournalRecords, rep.JournalCharges, rep.CentreRecords, rep.CentreCharges, rep.Cards)
	if len(sales) != total || rep.JournalCharges != total || rep.CentreCharges != total {
		t.Errorf("charges: %d answered, %d in the journal, %d at the centre; want %d each",
			len(sales), rep.JournalCharges, rep.CentreCharges, total)
	}
	if link.conns == 0 || link.holes == 0 {
		t.Errorf("%d connections cut, %d black holes: the link never failed, the test proved nothing", link.conns, link.holes)
	}
}

// linkChaos cuts every connection through the proxy every 1–3 s and, one
// time in six, black-holes the link for 2–4 s instead. The black hole drops
// bytes, so the streams through it are broken when it ends; it ends with a
// cut, as a link that comes back after an outage does with fresh
// connections. (A stream that only stalls is TestStalledLinkIsDetected's.)
type linkChaos struct {
	proxy              *netproxy.Proxy
	rng                *rand.Rand
	cuts, conns, holes int
}

func (l *linkChaos) run(ctx context.Context) {
	for {
		wait := time.Second + time.Duration(l.rng.Int64N(int64(2*time.Second)))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if l.rng.IntN(6) == 0 || l.cuts == 2 { // the third event always: short runs see one too
			l.holes++
			l.proxy.SetBlackhole(true)
			select {
			case <-ctx.Done():
			case <-time.After(2*time.Second + time.Duration(l.rng.Int64N(int64(2*time.Second)))):
			}
			l.proxy.SetBlackhole(false)
		}
		l.cuts++
		l.conns += l.proxy.Cut()
	}
}

// Shape of the concurrent stream.
const (
	cashiers     = 4  // goroutines selling at once, on the card in the reader
	salesPerTurn = 25 // each cashier's sales before the card changes
)

// sellConcurrently makes total sales: turn after turn, a card is put in the
// reader and the cashiers sell on it at once.
func sellConcurrently(ctx context.Context, c *chaos.Cashier, w *chaos.World, total int, rng *rand.Rand, prefix string) ([]chaos.Sale, error) {
	var (
		mu    sync.Mutex
		sales []chaos.Sale
	)
	for turn, n := 0, 0; n < total; turn++ {
		card := w.Cards[turn%len(w.Cards)]
		// Now and then the turn's first sale is offered an e-voucher, alone:
		// its session ends with that sale, and the card is presented for
		// the concurrent ones.
		if turn%voucherTurns == 0 && c.PresentVoucher(ctx, card) {
			sale, err := c.Sell(ctx, fmt.Sprintf("%s-%06d", prefix, n), card, 100+rng.Int64N(chaos.Item.PriceCap-100+1))
			if err != nil {
				return sales, err
			}
			sales = append(sales, sale)
			n++
		}
		if err := c.Present(ctx, card); err != nil {
			return sales, err
		}
		var wg sync.WaitGroup
		errs := make(chan error, cashiers)
		for range cashiers {
			count := min(salesPerTurn, total-n)
			if count == 0 {
				break
			}
			first := n
			n += count
			prices := make([]int64, count)
			for i := range prices {
				prices[i] = 100 + rng.Int64N(chaos.Item.PriceCap-100+1)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i, price := range prices {
					sale, err := c.Sell(ctx, fmt.Sprintf("%s-%06d", prefix, first+i), card, price)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					sales = append(sales, sale)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return sales, err
		}
	}
	return sales, nil
}
