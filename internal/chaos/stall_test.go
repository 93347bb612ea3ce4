package chaos_test

import (
	"context"
	"testing"
	"time"

	"posagent/internal/chaos"
	"posagent/internal/netproxy"
)

// TestStalledLinkIsDetected black-holes the link, without cutting it, for
// longer than the sync client's read deadline (three ping intervals): the
// agent must answer charges meanwhile, notice by itself that the
// connection is dead, and once the link is back reconnect and deliver
// everything exactly once.
func TestStalledLinkIsDetected(t *testing.T) {
	if testing.Short() {
		t.Skip("a stalled link takes the read deadline (60 s) to detect")
	}
	t.Parallel()
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
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := &chaos.Cashier{POS: r.pos, Line: r.line, Name: "chaos-cashier"}
	sell := func(key string) chaos.Sale {
		t.Helper()
		s, err := c.Sell(ctx, key, r.world.Cards[0], 1234)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	r.waitSynced(ctx)
	sales := []chaos.Sale{sell("stall-1")}
	if sales[0].Settled != "centre" {
		t.Fatalf("before the stall: settled %q, want centre", sales[0].Settled)
	}

	proxy.SetBlackhole(true)
	stalled := time.Now()
	sales = append(sales, sell("stall-2"))
	if sales[1].Settled != "offline" {
		t.Errorf("during the stall: settled %q, want offline (the centre never saw it)", sales[1].Settled)
	}
	detected := waitDisconnected(ctx, t, r)
	t.Logf("stalled link detected by the agent after %v", detected.Sub(stalled).Round(time.Millisecond))
	sales = append(sales, sell("stall-3"))
	proxy.SetBlackhole(false)
	r.waitSynced(ctx) // the same agent reconnects by itself

	rep := r.finish(ctx, chaos.Expect{Terminal: chaos.Terminal, Sales: sales, Initial: r.world.Initial})
	if rep.CentreCharges != len(sales) {
		t.Errorf("%d charges at the centre, want %d", rep.CentreCharges, len(sales))
	}
}

// waitDisconnected waits until the agent reports the centre disconnected
// and returns when it saw it.
func waitDisconnected(ctx context.Context, t *testing.T, r *rig) time.Time {
	t.Helper()
	for ctx.Err() == nil {
		st, err := r.pos.Status(ctx)
		if err == nil && !st.Centre.Connected {
			return time.Now()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the agent never noticed the stalled link")
	return time.Time{}
}
