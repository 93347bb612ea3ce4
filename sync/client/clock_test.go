package client

import (
	"context"
	"testing"
	"time"

	"posagent/agent/agenttest"
	"posagent/internal/clock"
)

// The client's own times come from its clock: these tests move a fake one
// and wait for what must follow, never for real time to pass.

func TestReconnectWaitsForTheBackoffOnTheClock(t *testing.T) {
	tc := startCentre(t)
	tc.proxy.SetDown(true)
	clk := clock.NewFake(agenttest.Morning)
	cfg := tc.clientConfig(t, agenttest.Journal(t), newTestHandler(tc.pub))
	cfg.Clock, cfg.MinBackoff, cfg.MaxBackoff = clk, time.Second, time.Second
	c, _ := runClient(t, cfg)

	// The first attempt fails; then the client waits on the clock (no
	// session: its backoff timer is the clock's only waiter) and tries
	// nothing more until the clock moves.
	eventually(t, "the first attempt to fail", func() bool { return c.Status().LastError != "" })
	waiters(t, clk, 1)
	if n := tc.proxy.Accepted(); n != 1 {
		t.Fatalf("%d attempts before the clock moved, want 1", n)
	}
	clk.Advance(time.Second) // the backoff is at most MaxBackoff
	eventually(t, "the second attempt", func() bool { return tc.proxy.Accepted() == 2 })

	tc.proxy.SetDown(false)
	waiters(t, clk, 1)
	waited := clk.Now()
	clk.Advance(time.Second)
	eventually(t, "connected once the centre is back", func() bool { return c.Status().Connected })
	// Connected when its backoff timer fired: at a time of the clock's
	// last move (Advance fires timers on its way to its end).
	if st := c.Status(); st.Reconnects != 0 || st.LastError != "" || st.LastSync.Before(waited) || st.LastSync.After(clk.Now()) {
		t.Fatalf("status %+v, want the first connection, no error, last sync in (%v, %v]", st, waited, clk.Now())
	}
}

func TestStatusTimesComeFromTheClock(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	clk := clock.NewFake(agenttest.Morning)
	cfg := tc.clientConfig(t, j, newTestHandler(tc.pub))
	cfg.Clock = clk
	c, _ := runClient(t, cfg)
	eventually(t, "connected", func() bool { return c.Status().Connected })
	if st := c.Status(); !st.LastSync.Equal(agenttest.Morning) || !st.LastContact.Equal(agenttest.Morning) {
		t.Fatalf("on connect: last sync %v, last contact %v; want both %v", st.LastSync, st.LastContact, agenttest.Morning)
	}

	// A ping interval later the client pings; the centre's pong is contact.
	// (Connected shows before the session's goroutines start: wait until
	// its two tickers, the writer's pings and the pump's polls, are set.)
	waiters(t, clk, 2)
	clk.Advance(DefaultPingInterval)
	eventually(t, "the pong to be contact", func() bool { return c.Status().LastContact.Equal(clk.Now()) })

	// An acknowledged batch is a sync.
	clk.Advance(time.Minute)
	seq := agenttest.Build(t, j).Charge(agenttest.Cards[0], 100).Seq
	c.Kick()
	eventually(t, "the charge acked", func() bool { return c.Status().AckedSeq == seq })
	if st := c.Status(); !st.LastSync.Equal(clk.Now()) {
		t.Fatalf("last sync %v after the ack, want %v", st.LastSync, clk.Now())
	}
}

// waiters waits until clk has n timers or tickers; ten seconds only turn
// a hang into a failure.
func waiters(t *testing.T, clk *clock.Fake, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := clk.BlockUntil(ctx, n); err != nil {
		t.Fatalf("the client never had %d timers on its clock: %v", n, err)
	}
}
