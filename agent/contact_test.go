package agent_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/sync/wire"
)

var _ agent.Centre = (*silentCentre)(nil)

// silentCentre is a centre not connected now, last heard from at a time
// the test sets.
type silentCentre struct{ contact atomic.Int64 }

var errSilent = errors.New("not connected")

func (c *silentCentre) Account(context.Context, string, string) (wire.AccountInfo, error) {
	return wire.AccountInfo{}, errSilent
}
func (c *silentCentre) WaitSettled(context.Context, uint64) (wire.Settlement, error) {
	return wire.Settlement{}, errSilent
}
func (c *silentCentre) Reconcile(context.Context, wire.DaySummary) (wire.DayResult, error) {
	return wire.DayResult{}, errSilent
}
func (c *silentCentre) RedeemVoucher(context.Context, string) (wire.VoucherAnswer, error) {
	return wire.VoucherAnswer{}, errSilent
}
func (c *silentCentre) Kick() {}
func (c *silentCentre) Status() agent.LinkStatus {
	return agent.LinkStatus{LastContact: time.Unix(0, c.contact.Load()), LastError: "centre unreachable"}
}

// TestLastContactIsKeptOnTheClockAndOutlivesARestart: while the terminal
// runs, its last contact with the centre is written to the journal once a
// minute of its clock; restarted during an outage, it counts the rules'
// staleness (72 h in the sample rules) from that contact, not from the
// bundle's issue.
func TestLastContactIsKeptOnTheClockAndOutlivesARestart(t *testing.T) {
	dir := t.TempDir()
	a := agenttest.NewAgent(t, agenttest.AgentOptions{Dir: dir}) // bundle issued at Morning
	contact := agenttest.Morning.Add(70 * time.Hour)
	centre := &silentCentre{}
	centre.contact.Store(contact.UnixNano())
	a.SetCentre(centre)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); a.KeepContact(ctx) }()

	armed, cancelArmed := context.WithTimeout(ctx, 10*time.Second) // bounds a hang
	defer cancelArmed()
	if err := a.Clock.BlockUntil(armed, 1); err != nil { // its ticker is set
		t.Fatalf("KeepContact never set its ticker: %v", err)
	}
	if _, err := a.Journal.State(agent.StateLastContact); err == nil {
		t.Fatal("last contact saved before a minute passed")
	}
	a.Clock.Set(contact.Add(time.Minute))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := a.Journal.State(agent.StateLastContact); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("last contact not saved a minute after it")
		}
	}
	cancel()
	<-done

	// Restarted 100 h after the bundle's issue, with the centre still away.
	if err := a.Journal.Close(); err != nil {
		t.Fatal(err)
	}
	clk := a.Clock
	clk.Set(agenttest.Morning.Add(100 * time.Hour))
	b := agenttest.NewAgent(t, agenttest.AgentOptions{Dir: dir, Clock: clk, Pub: a.Pub, NoBundle: true})
	if b.Bundle() == nil || b.Status().Rules.Stale {
		t.Fatalf("restarted 30 h after the last contact: rules %+v, want the bundle kept and not stale", b.Status().Rules)
	}
	clk.Set(contact.Add(73 * time.Hour))
	if st := b.Status().Rules; !st.Stale {
		t.Fatalf("73 h after the last contact: rules %+v, want stale", st)
	}
}
