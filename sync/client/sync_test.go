package client

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestBacklogDrainsOnce(t *testing.T) {
	tc := startCentre(t)
	j, charged := backlogJournal(t, 2000)

	c, _ := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "backlog of 2000 acked", func() bool { return j.Acked() == 2000 })

	tc.checkApplied(t, charged, 2000)
	st := c.Status()
	if !st.Connected || st.AckedSeq != 2000 || st.LastSync.IsZero() || st.LastContact.IsZero() || st.LastError != "" {
		t.Fatalf("status after drain = %+v", st)
	}

	// New entries after the drain go out on a Kick.
	charged.add(appendCharges(t, j, 3))
	c.Kick()
	eventually(t, "three more acked", func() bool { return j.Acked() == 2003 })
	tc.checkApplied(t, charged, 2003)
}

func TestStreamSurvivesRepeatedCuts(t *testing.T) {
	tc := startCentre(t)
	j, charged := backlogJournal(t, 5000)

	c, _ := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	ctx, stopCutting := context.WithCancel(context.Background())
	cutsDone := make(chan int)
	go func() {
		// Cut at uneven moments, 2 to 20ms apart (ten times that under the
		// race detector), so the cuts land in the handshake, in the middle
		// of a batch, while the centre applies it and while its ack is on
		// the way back.
		pace := time.Microsecond
		if raceEnabled {
			pace *= 10
		}
		cuts := 0
		for ctx.Err() == nil {
			time.Sleep(time.Duration(2000+rand.IntN(18000)) * pace)
			if a := j.Acked(); a > 0 && a < 5000 {
				cuts += tc.proxy.Cut()
			}
		}
		cutsDone <- cuts
	}()
	eventuallyWithin(t, time.Minute, "5000 entries acked through cuts", func() bool { return j.Acked() == 5000 })
	stopCutting()
	cuts := <-cutsDone

	if cuts < 15 {
		t.Fatalf("only %d cuts happened during the stream", cuts)
	}
	tc.checkApplied(t, charged, 5000)
	if st := c.Status(); st.Reconnects < 15 {
		t.Fatalf("Reconnects = %d after %d cuts", st.Reconnects, cuts)
	}
	t.Logf("%d cuts, %d reconnects", cuts, c.Status().Reconnects)
}

func TestCentreOutageThenResync(t *testing.T) {
	tc := startCentre(t)
	j := openJournal(t)
	charged := appendCharges(t, j, 10)
	c, _ := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "first 10 acked", func() bool { return j.Acked() == 10 })

	tc.proxy.SetDown(true)
	eventually(t, "client to notice the outage", func() bool { return !c.Status().Connected })
	charged.add(appendCharges(t, j, 25)) // sold offline
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
	j := openJournal(t)
	cfg := tc.clientConfig(t, j, newTestHandler(tc.pub))
	cfg.PingInterval = 50 * time.Millisecond // read deadline 150ms
	cfg.DialTimeout = 300 * time.Millisecond
	c, _ := runClient(t, cfg)
	eventually(t, "connected", func() bool { return c.Status().Connected })

	// The cable is pulled: no bytes either way, no FIN, no RST.
	tc.proxy.SetBlackhole(true)
	eventually(t, "the dead link to be noticed", func() bool { return !c.Status().Connected })
	if st := c.Status(); !strings.Contains(st.LastError, "timeout") {
		t.Fatalf("LastError = %q, want a read timeout", st.LastError)
	}
	tc.proxy.SetBlackhole(false)
	charged := appendCharges(t, j, 3)
	c.Kick()
	eventually(t, "entries acked after the link came back", func() bool { return j.Acked() == 3 })
	tc.checkApplied(t, charged, 3)
}

func TestCentreBehindJournalResendsFromCentre(t *testing.T) {
	tc := startCentre(t)
	j := openJournal(t)
	charged := appendCharges(t, j, 40)
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
	j := openJournal(t)
	appendCharges(t, j, 20)
	_, stop := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "20 acked", func() bool { return j.Acked() == 20 })
	stop()

	// The terminal's disk is replaced: a new, empty journal with one sale.
	j2 := openJournal(t)
	appendCharges(t, j2, 1)
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
	cfg := tc.clientConfig(t, openJournal(t), newTestHandler(tc.pub))
	cfg.DialTimeout = time.Hour // only ctx can end the dial
	_, stop := runClient(t, cfg)
	eventually(t, "the dial to reach the proxy", func() bool { return tc.proxy.Accepted() >= 1 })
	stop() // fails the test unless Run returns promptly, leaving nothing behind
}

func TestSecondRunIsRefused(t *testing.T) {
	tc := startCentre(t)
	c, _ := runClient(t, tc.clientConfig(t, openJournal(t), newTestHandler(tc.pub)))
	eventually(t, "connected", func() bool { return c.Status().Connected })
	if err := c.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second Run = %v, want refused", err)
	}
	if !c.Status().Connected {
		t.Fatal("the refused Run disturbed the running one")
	}
}
