package client

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"posagent/agent/agenttest"
	"posagent/internal/clock"
)

func TestBacklogDrainsOnce(t *testing.T) {
	tc := startCentre(t)
	j, charged := agenttest.Backlog(t, 2000)

	c, _ := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "backlog of 2000 acked", func() bool { return j.Acked() == 2000 })

	tc.checkApplied(t, charged, 2000)
	st := c.Status()
	if !st.Connected || st.AckedSeq != 2000 || st.LastSync.IsZero() || st.LastContact.IsZero() || st.LastError != "" {
		t.Fatalf("status after drain = %+v", st)
	}

	// New entries after the drain go out on a Kick.
	charged.Add(agenttest.Build(t, j).Charges(3))
	c.Kick()
	eventually(t, "three more acked", func() bool { return j.Acked() == 2003 })
	tc.checkApplied(t, charged, 2003)
}

// TestStreamSurvivesRepeatedCuts cuts the link again and again while a
// 5000-entry backlog streams, and checks every entry is applied exactly
// once. The stream is let through in rounds (the outbox shows the client
// only the entries the test opened): in each round the test waits for the
// live session to move the backlog on, cuts it and waits for the client
// to come back, so every round's cut lands mid-stream on a live
// connection, whatever the machine's speed. Meanwhile a second cutter
// cuts at random moments — just after a reconnect (in the handshake) and
// just after the stream moved (mid-batch, while the centre applies a batch
// or while its ack is on the way back) — but only ever after the client
// came back or moved on: cutting at a fixed wall-clock pace would starve
// the stream on a slow machine. How many of those cuts land is not
// asserted.
func TestStreamSurvivesRepeatedCuts(t *testing.T) {
	const total, rounds = 5000, 15
	tc := startCentre(t)
	j, charged := agenttest.Backlog(t, total)
	ob := &gatedOutbox{Journal: j}
	c, _ := runClient(t, tc.clientConfig(t, ob, newTestHandler(tc.pub)))

	ctx, stopCutting := context.WithCancel(t.Context())
	var random sync.WaitGroup
	random.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			reconnects, acked := c.Status().Reconnects, j.Acked()
			moved := func() bool { return c.Status().Reconnects > reconnects }
			if i%2 == 1 {
				moved = func() bool { return j.Acked() > acked }
			}
			for !moved() {
				if clock.Sleep(ctx, clock.Real(), time.Millisecond) != nil {
					return
				}
			}
			if clock.Sleep(ctx, clock.Real(), time.Duration(rand.IntN(5000))*time.Microsecond) != nil {
				return
			}
			tc.proxy.Cut()
		}
	})

	liveCuts := 0
	for round := range uint64(rounds) {
		before := j.Acked()
		ob.open((round + 1) * total / (rounds + 1))
		c.Kick()
		eventuallyWithin(t, 3*time.Minute, fmt.Sprintf("round %d: the live session to move the backlog on", round+1), func() bool {
			return c.Status().Connected && j.Acked() > before
		})
		reconnects := c.Status().Reconnects
		if tc.proxy.Cut() > 0 {
			liveCuts++
		}
		eventuallyWithin(t, 3*time.Minute, fmt.Sprintf("round %d: the client to reconnect", round+1), func() bool {
			return c.Status().Reconnects > reconnects
		})
	}
	ob.open(total)
	c.Kick()
	eventuallyWithin(t, 3*time.Minute, "5000 entries acked through cuts", func() bool { return j.Acked() == total })
	stopCutting()
	random.Wait()

	tc.checkApplied(t, charged, total)
	if st := c.Status(); st.Reconnects < uint64(liveCuts) {
		t.Fatalf("Reconnects = %d after %d cuts of a live session", st.Reconnects, liveCuts)
	}
	t.Logf("%d of %d rounds cut a live connection; %d reconnects in all", liveCuts, rounds, c.Status().Reconnects)
}

func TestCentreOutageThenResync(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	charged := agenttest.Build(t, j).Charges(10)
	c, _ := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "first 10 acked", func() bool { return j.Acked() == 10 })

	tc.proxy.SetDown(true)
	eventually(t, "client to notice the outage", func() bool { return !c.Status().Connected })
	charged.Add(agenttest.Build(t, j).Charges(25)) // sold offline
	c.Kick()
	eventually(t, "failed attempts against the dead centre", func() bool { return tc.proxy.Accepted() >= 4 })
	if j.Acked() != 10 {
		t.Fatalf("acked moved to %d while the centre was down", j.Acked())
	}
	if st := c.Status(); st.LastError == "" || st.Connected {
		t.Fatalf("status during outage = %+v, want disconnected with a last error", st)
	}

	tc.proxy.SetDown(false)
	eventually(t, "offline sales acked after the outage", func() bool { return j.Acked() == 35 })
	tc.checkApplied(t, charged, 35)
	if st := c.Status(); !st.Connected || st.LastError != "" || st.Reconnects < 1 {
		t.Fatalf("status after resync = %+v", st)
	}
}

func TestSilentLinkIsDetectedByReadDeadline(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	cfg := tc.clientConfig(t, j, newTestHandler(tc.pub))
	// The read deadline is the socket's, in real time: three pings, 600ms.
	cfg.PingInterval = 200 * time.Millisecond
	cfg.DialTimeout = time.Second
	c, _ := runClient(t, cfg)
	eventually(t, "connected", func() bool { return c.Status().Connected })

	// The cable is pulled: no bytes either way, no FIN, no RST. The first
	// status that shows the link lost says why (the client records the
	// reason with the disconnection, before any new attempt).
	tc.proxy.SetBlackhole(true)
	var lost Status
	eventually(t, "the dead link to be noticed", func() bool { lost = c.Status(); return !lost.Connected })
	if !strings.Contains(lost.LastError, "timeout") {
		t.Fatalf("LastError = %q, want a read timeout", lost.LastError)
	}
	tc.proxy.SetBlackhole(false)
	charged := agenttest.Build(t, j).Charges(3)
	c.Kick()
	eventually(t, "entries acked after the link came back", func() bool { return j.Acked() == 3 })
	tc.checkApplied(t, charged, 3)
}

func TestCentreBehindJournalResendsFromCentre(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	charged := agenttest.Build(t, j).Charges(40)
	// The journal believes 30 were acknowledged, but this centre (restored
	// from a backup, say) has none: the centre's word wins.
	if err := j.SetAcked(30); err != nil {
		t.Fatal(err)
	}
	runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "all 40 acked", func() bool { return tc.terminal(t).AckedSeq == 40 && j.Acked() == 40 })
	tc.checkApplied(t, charged, 40)
}

func TestReplacedJournalIsRefusedNotSilentlyLost(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	agenttest.Build(t, j).Charges(20)
	_, stop := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "20 acked", func() bool { return j.Acked() == 20 })
	stop()

	// The terminal's disk is replaced: a new, empty journal with one sale.
	j2 := agenttest.Journal(t)
	agenttest.Build(t, j2).Charges(1)
	c2, _ := runClient(t, tc.clientConfig(t, j2, newTestHandler(tc.pub)))
	eventually(t, "the second journal to be refused", func() bool {
		return strings.Contains(c2.Status().LastError, ErrJournalReplaced.Error())
	})
	if j2.Acked() != 0 || tc.terminal(t).AckedSeq != 20 {
		t.Fatalf("replaced journal acked %d, centre acked %d: want 0 and 20", j2.Acked(), tc.terminal(t).AckedSeq)
	}
}

func TestCancelDuringHungDialStopsRun(t *testing.T) {
	tc := startCentre(t)
	tc.proxy.SetBlackhole(true) // the upgrade request goes unanswered
	cfg := tc.clientConfig(t, agenttest.Journal(t), newTestHandler(tc.pub))
	cfg.DialTimeout = time.Hour // only ctx can end the dial
	_, stop := runClient(t, cfg)
	eventually(t, "the dial to reach the proxy", func() bool { return tc.proxy.Accepted() >= 1 })
	stop() // fails the test unless Run returns promptly, leaving nothing behind
}

func TestSecondRunIsRefused(t *testing.T) {
	tc := startCentre(t)
	c, _ := runClient(t, tc.clientConfig(t, agenttest.Journal(t), newTestHandler(tc.pub)))
	eventually(t, "connected", func() bool { return c.Status().Connected })
	if err := c.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second Run = %v, want refused", err)
	}
	if !c.Status().Connected {
		t.Fatal("the refused Run disturbed the running one")
	}
}
