package agenttest_test

import (
	"path/filepath"
	"testing"
	"time"

	"posagent/agent/agenttest"
	"posagent/agent/journal"
	"posagent/sync/wire"
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

// TestInjectedRecordsVerify: records injected into a closed journal are
// chained and indexed as its own: journal.Verify passes, seq and
// prev_hash follow on, and the agent's exposure counts them.
func TestInjectedRecordsVerify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j := agenttest.JournalAt(t, path, agenttest.Terminal)
	charged := agenttest.Build(t, j).Charges(5)
	lastHash := j.LastHash()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	at := agenttest.SalesDay.Add(time.Hour)
	forged := wire.Record{Kind: wire.KindCharge, At: at, CardNo: agenttest.Cards[0], Cashier: "C07", RulesVersion: 1,
		Total: 19800, Account: 19800,
		Lines: []wire.Line{{Code: "D0015", Qty: 1, UnitPrice: 19800, Amount: 19800, Account: 19800}}}
	// The builder's charge seq 5 is on Cards[0], 105 fen from the account.
	void := wire.Record{Kind: wire.KindVoid, TxnID: "v-forged", At: at.Add(time.Minute), Reverses: "txn-5", Account: 105, Total: 155, Cash: 50}
	got := agenttest.Inject(t, path, forged, forged, void)
	if len(got) != 3 || got[0].Seq != 6 || got[0].PrevHash != lastHash || got[0].TxnID != "forged-6" ||
		got[1].TxnID != "forged-7" || got[2].Terminal != agenttest.Terminal || got[2].CardNo != agenttest.Cards[0] {
		t.Fatalf("injected %+v; want seqs 6.. after hash %s, txn ids forged-6, forged-7", got, lastHash)
	}

	j, err := journal.Open(path, journal.Options{Terminal: agenttest.Terminal, Logger: agenttest.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Verify(); err != nil {
		t.Fatalf("journal.Verify on the injected file: %v", err)
	}
	if j.LastSeq() != 8 {
		t.Fatalf("last seq %d, want 8", j.LastSeq())
	}
	rec, e, err := j.Get(7)
	if err != nil || rec.Account != 19800 || e.Hash == "" {
		t.Fatalf("seq 7: %+v %v", rec, err)
	}
	want := charged[agenttest.Cards[0]] + 2*19800 - 105
	if got, _ := j.Unsynced(agenttest.Cards[0]); got != want {
		t.Fatalf("card %s unsynced %d fen, want %d: the forged charges count as sales", agenttest.Cards[0], got, want)
	}
}
