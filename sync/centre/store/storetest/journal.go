package storetest

import (
	"errors"
	"testing"
	"time"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
	"posagent/sync/wire/wiretest"
)

var journalTests = []test{
	{"ReplacedMarkAndRebase", testJournalReplacedAndRebase},
	{"ReplacedJournalMovesNoMoneyTwice", testReplacedJournalMovesNoMoneyTwice},
}

// testJournalReplacedAndRebase: the JOURNAL_REPLACED mark is stored and
// listed, the first sighting is kept while open, the rebase records the
// break (when, by whom, the acked seq and hash) without touching the
// chain, and a later sighting starts a new mark.
func testJournalReplacedAndRebase(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Charge("C1", 1000)
	j.Charge("C1", 1000)
	apply(t, s, "T1", j.Entries...)

	if _, err := s.RebaseTerminal(ctx, "T1", "ops", minute(10)); !errors.Is(err, store.ErrNotReplaced) {
		t.Fatalf("rebase without a mark: %v, want ErrNotReplaced", err)
	}
	if _, err := s.RebaseTerminal(ctx, "T9", "ops", minute(10)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rebase of an unknown terminal: %v, want ErrNotFound", err)
	}
	if _, err := s.MarkJournalReplaced(ctx, "T9", store.JournalMark{SeenAt: minute(1)}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("mark of an unknown terminal: %v, want ErrNotFound", err)
	}
	first := store.JournalMark{SeenAt: minute(20).Add(123), Reason: store.JournalBehind, AgentSeq: 0, AckedSeq: 2,
		RebasedBy: "ignored"} // a mark is never born rebased
	if set, err := s.MarkJournalReplaced(ctx, "T1", first); err != nil || !set {
		t.Fatalf("mark: %v %v", set, err)
	}
	if set, err := s.MarkJournalReplaced(ctx, "T1", store.JournalMark{SeenAt: minute(21), Reason: store.JournalUnchained, AgentSeq: 3, AckedSeq: 2}); err != nil || set {
		t.Fatalf("second mark while open: set=%v %v; the first sighting must be kept", set, err)
	}
	term, err := s.Terminal(ctx, "T1")
	m := term.Journal
	if err != nil || !m.Open() || !m.SeenAt.Equal(first.SeenAt) || m.Reason != store.JournalBehind || m.AgentSeq != 0 ||
		m.AckedSeq != 2 || m.RebasedBy != "" {
		t.Fatalf("stored mark: %+v %v", m, err)
	}
	ts, err := s.Terminals(ctx)
	if err != nil || len(ts) != 1 || !ts[0].Journal.Open() {
		t.Fatalf("listed: %+v %v", ts, err)
	}

	at := minute(30).Add(456)
	term, err = s.RebaseTerminal(ctx, "T1", "ops", at)
	if err != nil {
		t.Fatal(err)
	}
	want := store.JournalMark{SeenAt: first.SeenAt, Reason: store.JournalBehind, AckedSeq: 2,
		RebasedAt: at, RebasedBy: "ops", RebaseSeq: 2, RebaseHash: j.Last}
	checkMark(t, "rebase answer", term.Journal, want)
	term, err = s.Terminal(ctx, "T1")
	if err != nil || term.AckedSeq != 2 || term.LastHash != j.Last {
		t.Fatalf("after rebase: %+v %v; the chain must not move", term, err)
	}
	checkMark(t, "stored after rebase", term.Journal, want)
	if _, err := s.RebaseTerminal(ctx, "T1", "ops", at); !errors.Is(err, store.ErrNotReplaced) {
		t.Fatalf("second rebase: %v, want ErrNotReplaced", err)
	}

	// Applying and re-enrolling keep the mark.
	j.Charge("C1", 1000)
	apply(t, s, "T1", j.Entries[2])
	if err := s.EnrolTerminal(ctx, store.Terminal{ID: "T1", Pharmacy: "P1", TokenHash: "new", EnrolledAt: minute(40)}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReportVersions(ctx, "T1", 1, 1, "", minute(41)); err != nil {
		t.Fatal(err)
	}
	term, err = s.Terminal(ctx, "T1")
	if err != nil || term.AckedSeq != 3 {
		t.Fatalf("after apply: %+v %v", term, err)
	}
	checkMark(t, "after apply and re-enrol", term.Journal, want)

	// A new sighting after the rebase starts a new mark.
	if set, err := s.MarkJournalReplaced(ctx, "T1", store.JournalMark{SeenAt: minute(50), Reason: store.JournalUnchained, AgentSeq: 4, AckedSeq: 3}); err != nil || !set {
		t.Fatalf("new mark after the rebase: %v %v", set, err)
	}
	term, _ = s.Terminal(ctx, "T1")
	checkMark(t, "new mark", term.Journal, store.JournalMark{SeenAt: minute(50), Reason: store.JournalUnchained, AgentSeq: 4, AckedSeq: 3})
}

func checkMark(t *testing.T, what string, got *store.JournalMark, want store.JournalMark) {
	t.Helper()
	if got == nil || !got.SeenAt.Equal(want.SeenAt) || got.Reason != want.Reason || got.AgentSeq != want.AgentSeq ||
		got.AckedSeq != want.AckedSeq || !got.RebasedAt.Equal(want.RebasedAt) || got.RebasedBy != want.RebasedBy ||
		got.RebaseSeq != want.RebaseSeq || got.RebaseHash != want.RebaseHash {
		t.Fatalf("%s: mark %+v, want %+v", what, got, want)
	}
}

// testReplacedJournalMovesNoMoneyTwice: a replaced journal (fresh, or an
// older copy that sold again) resends seqs the centre holds: a record
// already held is a duplicate, another record at a held seq a conflict;
// neither moves money. After the rebase the fresh journal continues after
// the acked seq, linking to its hash: applied once, unflagged.
func testReplacedJournalMovesNoMoneyTwice(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	old := newJournal(t, "T1")
	for range 3 {
		old.Charge("C1", 1000)
	}
	apply(t, s, "T1", old.Entries...)
	if got := balance(t, s, "C1"); got != 7000 {
		t.Fatalf("balance %d after three charges", got)
	}

	// An older copy (seq 1) sells again: seq 2 and 3 anew.
	copyJ := newJournal(t, "T1")
	copyJ.Add(mustOpen(t, old.Entries[0]))
	copyJ.Charge("C1", 2000)
	copyJ.Charge("C1", 2000)
	if res := apply(t, s, "T1", copyJ.Entries...); res.AckedSeq != 3 || balance(t, s, "C1") != 7000 {
		t.Fatalf("replayed copy: %+v, balance %d; nothing may be applied", res, balance(t, s, "C1"))
	}
	// A wiped journal sells from seq 1.
	fresh := wireJournalAt(t, minute(100))
	fresh.Charge("C1", 3000)
	if res := apply(t, s, "T1", fresh.Entries...); res.AckedSeq != 3 {
		t.Fatalf("fresh journal: %+v; nothing may be applied", res)
	}
	if got := balance(t, s, "C1"); got != 7000 {
		t.Fatalf("balance %d: a replaced journal moved money", got)
	}
	for seq := uint64(2); seq <= 3; seq++ {
		if tx := txnOf(t, s, "T1", seq); tx.Account != 1000 || !hasFlag(tx.Flags, wire.FlagChainBroken) {
			t.Fatalf("seq %d after conflicts: %+v; the stored record is kept, flagged CHAIN_BROKEN", seq, tx)
		}
	}

	if _, err := s.MarkJournalReplaced(ctx, "T1", store.JournalMark{SeenAt: minute(200), Reason: store.JournalBehind, AckedSeq: 3}); err != nil {
		t.Fatal(err)
	}
	term, err := s.RebaseTerminal(ctx, "T1", "ops", minute(201))
	if err != nil {
		t.Fatal(err)
	}
	// The rebased empty journal's first record: seq 4, prev_hash the
	// centre's last hash; exactly as the old journal would continue.
	if term.Journal.RebaseSeq != 3 || term.Journal.RebaseHash != old.Last {
		t.Fatalf("rebase: %+v", term.Journal)
	}
	e := old.Charge("C1", 500)
	for range 2 {
		res := apply(t, s, "T1", e)
		if res.AckedSeq != 4 {
			t.Fatalf("after the rebase: %+v", res)
		}
	}
	if tx := txnOf(t, s, "T1", 4); len(tx.Flags) != 0 || tx.Account != 500 {
		t.Fatalf("first record after the rebase: %+v; it links, so no flag", tx)
	}
	if got := balance(t, s, "C1"); got != 6500 {
		t.Fatalf("balance %d after the rebased charge applied (twice sent), want 6500", got)
	}
}

// wireJournalAt is a fresh journal of T1 whose records start after at.
func wireJournalAt(t *testing.T, at time.Time) *wiretest.Journal {
	j := newJournal(t, "T1")
	j.At = at
	return j
}

func mustOpen(t *testing.T, e wire.Entry) wire.Record {
	t.Helper()
	rec, err := wire.Open(e)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}
