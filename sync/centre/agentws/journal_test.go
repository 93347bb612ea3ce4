package agentws_test

import (
	"testing"
	"time"

	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
)

// TestJournalReplacedIsMarkedAndRebaseOffered: a hello behind the acked
// seq marks the terminal JOURNAL_REPLACED (behind), and the welcome
// offers no rebase; after the rebase, a hello of an empty journal is
// offered the centre's acked seq and last hash, a non-empty one is not.
// An older copy that grew past the centre is marked on its first entry
// past the acked seq (unchained), which moves money once, flagged.
func TestJournalReplacedIsMarkedAndRebaseOffered(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{RecordChecksOnly: true})
	tok := c.Enrol("T1", "P1")
	c.Accounts(map[string]int64{"1001": 10000})
	ch := &centretest.Chain{Terminal: "T1"}
	at := c.Now().Add(-time.Hour)
	for i := range 3 {
		ch.Charge(t, "1001", 1000, at.Add(time.Duration(i)*time.Minute))
	}
	a := c.Connect("T1", tok)
	a.Hello(3, 0, 0)
	if ack := a.SendEntries(ch.Entries); ack.AckedSeq != 3 {
		t.Fatalf("ack %+v", ack)
	}

	w := c.Connect("T1", tok).Hello(0, 0, 0)
	if w.AckedSeq != 3 || w.Rebase != nil {
		t.Fatalf("welcome of a wiped journal: %+v", w)
	}
	m := c.Terminal("T1").Journal
	if !m.Open() || m.Reason != store.JournalBehind || m.AgentSeq != 0 || m.AckedSeq != 3 || !m.SeenAt.Equal(c.Now().UTC()) {
		t.Fatalf("mark %+v", m)
	}
	if _, err := c.Centre().RebaseTerminal(t.Context(), "T1", "ops"); err != nil {
		t.Fatal(err)
	}
	if w := c.Connect("T1", tok).Hello(2, 0, 0); w.Rebase != nil {
		t.Fatalf("a non-empty journal was offered the rebase: %+v", w)
	}
	if !c.Terminal("T1").Journal.Open() {
		t.Fatal("a non-empty journal behind the centre after the rebase is not marked again")
	}
	if _, err := c.Centre().RebaseTerminal(t.Context(), "T1", "ops"); err != nil {
		t.Fatal(err)
	}
	w = c.Connect("T1", tok).Hello(0, 0, 0)
	if w.Rebase == nil || w.Rebase.Seq != 3 || w.Rebase.Hash != ch.Entries[2].Hash {
		t.Fatalf("welcome of an empty journal after the rebase: %+v", w)
	}
	if m := c.Terminal("T1").Journal; m.Open() || m.RebaseSeq != 3 {
		t.Fatalf("the offer re-marked the terminal: %+v", m)
	}

	// An older copy (seq 1) that sold twice: seq 2, 3 conflict, seq 4
	// does not link to the centre's seq 3.
	copyCh := &centretest.Chain{Terminal: "T1"}
	copyCh.Entries = append(copyCh.Entries, ch.Entries[0])
	for i := range 3 {
		copyCh.Charge(t, "1001", 2000, at.Add(time.Duration(10+i)*time.Minute))
	}
	b := c.Connect("T1", tok)
	if w := b.Hello(4, 0, 0); w.Rebase != nil {
		t.Fatalf("welcome %+v", w)
	}
	if ack := b.SendEntries(copyCh.Entries); ack.AckedSeq != 4 {
		t.Fatalf("ack %+v", ack)
	}
	if got := c.Balance("1001"); got != 10000-3000-2000 {
		t.Fatalf("balance %d: only the copy's seq 4 may move money", got)
	}
	m = c.Terminal("T1").Journal
	if !m.Open() || m.Reason != store.JournalUnchained || m.AgentSeq != 4 || m.AckedSeq != 3 {
		t.Fatalf("mark after an unchained entry: %+v", m)
	}
}
