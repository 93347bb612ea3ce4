package agenttest_test

import (
	"testing"
	"time"

	"posagent/agent/agenttest"
)

func TestBuilderChargesAreWhatTheJournalHolds(t *testing.T) {
	j, charged := agenttest.Backlog(t, 300)
	b := agenttest.Build(t, j)
	c := b.Charge(agenttest.Cards[0], 777)
	b.Void(c)
	b.Quote(agenttest.Cards[1])
	if j.LastSeq() != 303 || j.Acked() != 0 {
		t.Fatalf("journal at seq %d acked %d, want 303 and 0", j.LastSeq(), j.Acked())
	}
	for _, card := range agenttest.Cards {
		if got, _ := j.Unsynced(card); got != charged[card] {
			t.Errorf("card %s: journal holds %d fen unsynced, the ledger says %d", card, got, charged[card])
		}
	}
	if _, all := j.Unsynced(""); all != charged.Total() {
		t.Errorf("terminal exposure %d, ledger total %d", all, charged.Total())
	}
	day, err := j.Day(agenttest.SalesDay, "")
	if err != nil || len(day) != 302 {
		t.Fatalf("the sales day lists %d records (%v), want the 301 charges and the void", len(day), err)
	}
}

func TestAgentRunsTheSampleBundleOnItsFakeClock(t *testing.T) {
	a := agenttest.NewAgent(t, agenttest.AgentOptions{})
	b := a.Bundle()
	if b == nil || b.Version != 1 || !b.IssuedAt.Equal(agenttest.Morning) {
		t.Fatalf("bundle %+v, want the sample bundle version 1 issued at %v", b, agenttest.Morning)
	}
	if _, ok := b.Catalogue.Item("D0001"); !ok {
		t.Fatal("the sample catalogue has no D0001")
	}
	a.Clock.Advance(90 * time.Minute)
	if got := a.Now(); !got.Equal(agenttest.Morning.Add(90*time.Minute)) || got.Location() != agenttest.Shanghai {
		t.Fatalf("agent time %v after 90 minutes", got)
	}
	if st := a.Status(); st.Terminal != agenttest.Terminal || st.Rules.AgeS != 90*60 {
		t.Fatalf("status %+v", st.Rules)
	}
	bare := agenttest.NewAgent(t, agenttest.AgentOptions{NoBundle: true})
	if bare.Bundle() != nil {
		t.Fatal("NoBundle agent has rules")
	}
}
