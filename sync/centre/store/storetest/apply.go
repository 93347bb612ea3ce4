package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
	"posagent/sync/wire/wiretest"
)

var applyTests = []test{
	{"ChargeSettles", testApplyChargeSettles},
	{"OfflineChargeIsSettledOffline", testApplyOfflineCharge},
	{"GapThenLateEntry", testApplyGapThenLateEntry},
	{"EditedBodyIsBrokenAndChainGoesOn", testApplyEditedBody},
	{"RehashedEditBreaksTheNextLink", testApplyRehashedEdit},
	{"AccountFlags", testApplyAccountFlags},
	{"RefusesAnotherTerminalsBody", testApplyRefusesAnotherTerminal},
	{"RefusesMalformedEntries", testApplyRefusesMalformed},
	{"UnknownTerminal", testApplyUnknownTerminal},
	{"RetryReturnsStoredSettlements", testApplyRetry},
	{"ConflictingResendKeepsStored", testApplyConflictingResend},
	{"RepeatsWithinABatch", testApplyRepeatsWithinABatch},
	{"ConflictWithinABatch", testApplyConflictWithinABatch},
	{"VoidsRefund", testApplyVoids},
	{"VoidsMustMatchTheirCharge", testApplyVoidsMustMatch},
	{"CancelledContextAppliesNothing", testApplyCancelled},
}

func testApplyChargeSettles(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Quote("C1")
	e := j.Charge("C1", 2500)

	res := apply(t, s, "T1", j.Entries...)
	checkResult(t, res, 2, wire.Settlement{Seq: 2, TxnID: "T1-2", BalanceAfter: 7500})
	if got := balance(t, s, "C1"); got != 7500 {
		t.Fatalf("balance %d, want 7500", got)
	}
	txn := txnOf(t, s, "T1", 2)
	want := store.Txn{Terminal: "T1", Pharmacy: "P1", Seq: 2, TxnID: "T1-2", Kind: wire.KindCharge, CardNo: "C1",
		Cashier: "c1", Total: 2600, Account: 2500, Cash: 100, Settled: "centre", BalanceAfter: 7500}
	if txn.Terminal != want.Terminal || txn.Pharmacy != want.Pharmacy || txn.Seq != want.Seq || txn.TxnID != want.TxnID ||
		txn.Kind != want.Kind || txn.CardNo != want.CardNo || txn.Cashier != want.Cashier || txn.Total != want.Total ||
		txn.Account != want.Account || txn.Cash != want.Cash || txn.Settled != want.Settled || txn.BalanceAfter != want.BalanceAfter ||
		!txn.At.Equal(minute(2)) || !txn.ReceivedAt.Equal(received) || len(txn.Flags) != 0 || len(txn.Reasons) != 0 {
		t.Fatalf("stored txn %+v\nwant %+v at %v received %v", txn, want, minute(2), received)
	}
	term, err := s.Terminal(t.Context(), "T1")
	if err != nil || term.AckedSeq != 2 || term.LastHash != e.Hash || !term.LastSeen.Equal(received) {
		t.Fatalf("terminal %+v %v; want acked 2, last hash %s, seen when received", term, err, e.Hash)
	}
	if q := txnOf(t, s, "T1", 1); q.Kind != wire.KindQuote || q.Total != 100 || q.BalanceAfter != 0 {
		t.Fatalf("quote %+v: stored, moving no money", q)
	}
}

func testApplyOfflineCharge(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Add(wire.Record{Kind: wire.KindCharge, TxnID: "x", CardNo: "C1", Account: 100, Offline: true})
	apply(t, s, "T1", j.Entries...)
	if got := txnOf(t, s, "T1", 1).Settled; got != "offline" {
		t.Fatalf("settled %q, want offline", got)
	}
}

func testApplyGapThenLateEntry(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	for range 4 {
		j.Charge("C1", 100)
	}
	apply(t, s, "T1", j.Entries[0], j.Entries[1])
	res := apply(t, s, "T1", j.Entries[3]) // seq 3 removed
	checkResult(t, res, 4, wire.Settlement{Seq: 4, TxnID: "T1-4", BalanceAfter: 9700, Flags: []string{wire.FlagChainGap}})
	res = apply(t, s, "T1", j.Entries[2]) // seq 3 turns up late
	checkResult(t, res, 4, wire.Settlement{Seq: 3, TxnID: "T1-3", BalanceAfter: 9600, Flags: []string{wire.FlagChainBroken}})
	res = apply(t, s, "T1", j.Entries[2]) // and again: now a duplicate
	checkResult(t, res, 4, wire.Settlement{Seq: 3, TxnID: "T1-3", BalanceAfter: 9600, Flags: []string{wire.FlagChainBroken}})
	if got := balance(t, s, "C1"); got != 9600 {
		t.Fatalf("balance %d, want 9600 (each charge once)", got)
	}
	if f := txnOf(t, s, "T1", 3).Flags; !slices.Equal(f, []string{wire.FlagChainBroken}) {
		t.Fatalf("stored flags of seq 3: %v", f)
	}
	if term, _ := s.Terminal(t.Context(), "T1"); term.LastHash != j.Entries[3].Hash {
		t.Fatalf("chain at %s, want seq 4's hash: a late entry does not move it", term.LastHash)
	}
}

func testApplyEditedBody(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	for range 3 {
		j.Charge("C1", 3000)
	}
	edited := j.Edited(1, false, lowerAccount) // hash left as it was
	res := apply(t, s, "T1", j.Entries[0], edited, j.Entries[2])
	checkResult(t, res, 3,
		wire.Settlement{Seq: 1, TxnID: "T1-1", BalanceAfter: 7000},
		wire.Settlement{Seq: 2, TxnID: "T1-2", BalanceAfter: 6970, Flags: []string{wire.FlagChainBroken}},
		wire.Settlement{Seq: 3, TxnID: "T1-3", BalanceAfter: 3970})
	if txn := txnOf(t, s, "T1", 2); txn.Account != 30 || !slices.Equal(txn.Flags, []string{wire.FlagChainBroken}) {
		t.Fatalf("stored %+v: the centre records what the body says, flagged", txn)
	}
}

func testApplyRehashedEdit(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	for range 3 {
		j.Charge("C1", 3000)
	}
	rehashed := j.Edited(1, true, lowerAccount) // seq 3 still links to the original
	res := apply(t, s, "T1", j.Entries[0], rehashed, j.Entries[2])
	checkResult(t, res, 3,
		wire.Settlement{Seq: 1, TxnID: "T1-1", BalanceAfter: 7000},
		wire.Settlement{Seq: 2, TxnID: "T1-2", BalanceAfter: 6970},
		wire.Settlement{Seq: 3, TxnID: "T1-3", BalanceAfter: 3970, Flags: []string{wire.FlagChainBroken}})
}

// lowerAccount edits a Charge's record to take 30 fen from the account
// and the rest in cash, its sums still sound.
func lowerAccount(r *wire.Record) {
	r.Account, r.Cash = 30, r.Total-30
	r.Lines[0].Account, r.Lines[0].Cash = 30, r.Lines[0].Amount-30
}

// testApplyAccountFlags: what the account does not allow is held, not
// taken: all of a charge on a lost, blocked or unknown card, the excess
// over the balance of an overdraft (SPEC §9).
func testApplyAccountFlags(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	lost := active("LOST", 5000)
	lost.Status = "lost"
	blocked := active("BLK", 5000)
	blocked.Blocked = true
	importAccounts(t, s, lost, active("POOR", 1000), blocked)
	j := newJournal(t, "T1")
	j.Charge("LOST", 2000)
	j.Charge("POOR", 1500)
	j.Charge("NOBODY", 700)
	j.Charge("BLK", 6000)
	j.Add(wire.Record{Kind: wire.KindCharge, TxnID: "cash", CardNo: "LOST", Total: 500, Cash: 500,
		Lines: []wire.Line{{Code: "X01", Qty: 1, UnitPrice: 500, Amount: 500, Cash: 500}}})
	res := apply(t, s, "T1", j.Entries...)
	checkResult(t, res, 5,
		wire.Settlement{Seq: 1, TxnID: "T1-1", BalanceAfter: 5000, Flags: []string{wire.FlagBlockedAtSync}},
		wire.Settlement{Seq: 2, TxnID: "T1-2", BalanceAfter: 0, Flags: []string{wire.FlagOverdraft}},
		wire.Settlement{Seq: 3, TxnID: "T1-3", BalanceAfter: 0, Flags: []string{wire.FlagBlockedAtSync}},
		wire.Settlement{Seq: 4, TxnID: "T1-4", BalanceAfter: 5000, Flags: []string{wire.FlagBlockedAtSync}},
		wire.Settlement{Seq: 5, TxnID: "cash", BalanceAfter: 5000})
	if balance(t, s, "LOST") != 5000 || balance(t, s, "POOR") != 0 || balance(t, s, "BLK") != 5000 {
		t.Fatal("flagged charges must take only what the account allows")
	}
	for seq, held := range map[uint64]int64{1: 2000, 2: 500, 3: 700, 4: 6000, 5: 0} {
		txn := txnOf(t, s, "T1", seq)
		wantHold := store.HoldHeld
		if held == 0 {
			wantHold = ""
		}
		if txn.Held != held || txn.Hold != wantHold {
			t.Fatalf("seq %d: held %d %q, want %d %q", seq, txn.Held, txn.Hold, held, wantHold)
		}
	}
	if _, err := s.Account(t.Context(), "NOBODY"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a charge on an unknown card created an account: %v", err)
	}
	if f := txnOf(t, s, "T1", 4).Flags; !slices.Equal(f, []string{wire.FlagBlockedAtSync}) {
		t.Fatalf("stored flags %v", f)
	}
}

// refused checks that a refused batch left no trace.
func refused(t *testing.T, s store.Store, err error, terminal string, card string, bal int64) {
	t.Helper()
	if !errors.Is(err, ledger.ErrRefused) {
		t.Fatalf("got %v, want ErrRefused", err)
	}
	if got := balance(t, s, card); got != bal {
		t.Fatalf("balance %d after a refused batch, want %d", got, bal)
	}
	if term, _ := s.Terminal(t.Context(), terminal); term.AckedSeq != 0 {
		t.Fatalf("acked %d after a refused batch", term.AckedSeq)
	}
	if ts, _ := s.Transactions(t.Context(), store.Filter{}); len(ts) != 0 {
		t.Fatalf("%d transactions stored from a refused batch", len(ts))
	}
}

func testApplyRefusesAnotherTerminal(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	enrol(t, s, "T2", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Charge("C1", 100)
	other := newJournal(t, "T2")
	other.Seq = 1
	other.Charge("C1", 5000)
	_, err := s.Apply(t.Context(), "T1", []wire.Entry{j.Entries[0], other.Entries[0]}, store.Judging{ReceivedAt: received})
	refused(t, s, err, "T1", "C1", 10000)
}

func testApplyRefusesMalformed(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	cases := map[string]func(j *wiretest.Journal) wire.Entry{
		"seq 0": func(j *wiretest.Journal) wire.Entry {
			e := j.Charge("C1", 1)
			e.Seq = 0
			return e
		},
		"undecodable body":    func(j *wiretest.Journal) wire.Entry { return wire.Entry{Seq: 2, Hash: "x", Body: []byte(`{"seq":`)} },
		"body of another seq": func(j *wiretest.Journal) wire.Entry { e := j.Charge("C1", 1); e.Seq = 7; return e },
		"negative account": func(j *wiretest.Journal) wire.Entry {
			return j.Add(wire.Record{Kind: wire.KindCharge, TxnID: "n", CardNo: "C1", Account: -5})
		},
		"charge without txn_id": func(j *wiretest.Journal) wire.Entry {
			return j.Add(wire.Record{Kind: wire.KindCharge, CardNo: "C1", Account: 5})
		},
		"void without reverses": func(j *wiretest.Journal) wire.Entry {
			return j.Add(wire.Record{Kind: wire.KindVoid, TxnID: "v", CardNo: "C1", Account: 5})
		},
		"card number with NUL": func(j *wiretest.Journal) wire.Entry { return j.Charge("C\x001", 5) },
		"note over 1 KiB": func(j *wiretest.Journal) wire.Entry {
			return j.Add(wire.Record{Kind: wire.KindRefusal, CardNo: "C1", Note: strings.Repeat("n", wire.MaxNote+1)})
		},
		"body over 64 KiB": func(j *wiretest.Journal) wire.Entry {
			return j.Add(wire.Record{Kind: wire.KindQuote, CardNo: "C1", Error: strings.Repeat("e", wire.MaxRecordBody)})
		},
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			j := newJournal(t, "T1")
			good := j.Charge("C1", 100)
			_, err := s.Apply(t.Context(), "T1", []wire.Entry{good, bad(j)}, store.Judging{ReceivedAt: received})
			refused(t, s, err, "T1", "C1", 10000)
		})
	}
}

func testApplyUnknownTerminal(t *testing.T, open Opener) {
	s := open(t)
	j := newJournal(t, "T9")
	j.Quote("C1")
	for _, id := range []string{"T9", "T\x009"} {
		if _, err := s.Apply(t.Context(), id, j.Entries, store.Judging{ReceivedAt: received}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("terminal %q: got %v, want ErrNotFound", id, err)
		}
	}
}

func testApplyRetry(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Charge("C1", 1000)
	j.Quote("C1")
	j.Charge("C1", 2000)
	first := apply(t, s, "T1", j.Entries...)
	j.Void("C1", "T1-1", 1000)
	again := apply(t, s, "T1", j.Entries...) // the ack was lost; the agent resends with one more
	want := append(slices.Clone(first.Results), wire.Settlement{Seq: 4, TxnID: "T1-4", BalanceAfter: 8000})
	checkResult(t, again, 4, want...)
	if got := balance(t, s, "C1"); got != 8000 {
		t.Fatalf("balance %d, want 8000", got)
	}
}

func testApplyConflictingResend(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Charge("C1", 1000)
	apply(t, s, "T1", j.Entries...)

	rewritten := newJournal(t, "T1") // e.g. a wiped journal starting again at 1
	rewritten.Charge("C1", 4000)
	checkResult(t, apply(t, s, "T1", rewritten.Entries...), 1)
	checkResult(t, apply(t, s, "T1", rewritten.Entries...), 1) // flagging twice adds nothing
	if got := balance(t, s, "C1"); got != 9000 {
		t.Fatalf("balance %d, want 9000", got)
	}
	txn := txnOf(t, s, "T1", 1)
	if txn.Account != 1000 || !slices.Equal(txn.Flags, []string{wire.FlagChainBroken}) {
		t.Fatalf("stored txn %+v; want the original, flagged CHAIN_BROKEN", txn)
	}
	// The original, resent, is still a duplicate, now with its flag.
	checkResult(t, apply(t, s, "T1", j.Entries...), 1,
		wire.Settlement{Seq: 1, TxnID: "T1-1", BalanceAfter: 9000, Flags: []string{wire.FlagChainBroken}})
	if fl, err := s.Transactions(t.Context(), store.Filter{Flagged: true}); err != nil || len(fl) != 1 {
		t.Fatalf("flagged: %+v %v; the conflict must make the stored record flagged", fl, err)
	}
}

func testApplyRepeatsWithinABatch(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Charge("C1", 100)
	j.Quote("C1")
	j.Charge("C1", 200)
	e := j.Entries
	res := apply(t, s, "T1", e[0], e[1], e[1], e[0], e[2], e[2])
	s1 := wire.Settlement{Seq: 1, TxnID: "T1-1", BalanceAfter: 9900}
	s3 := wire.Settlement{Seq: 3, TxnID: "T1-3", BalanceAfter: 9700}
	checkResult(t, res, 3, s1, s1, s3, s3)
	if got := balance(t, s, "C1"); got != 9700 {
		t.Fatalf("balance %d, want 9700", got)
	}
	// Out of order: seq 5 first (a gap), then 4 (late), then 5 again.
	j.Charge("C1", 1)
	j.Charge("C1", 2)
	res = apply(t, s, "T1", j.Entries[4], j.Entries[3], j.Entries[4])
	s5 := wire.Settlement{Seq: 5, TxnID: "T1-5", BalanceAfter: 9698, Flags: []string{wire.FlagChainGap}}
	checkResult(t, res, 5, s5,
		wire.Settlement{Seq: 4, TxnID: "T1-4", BalanceAfter: 9697, Flags: []string{wire.FlagChainBroken}}, s5)
}

func testApplyConflictWithinABatch(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Charge("C1", 100)
	other := j.Edited(0, true, func(r *wire.Record) { r.Account = 5000 })
	res := apply(t, s, "T1", j.Entries[0], other, j.Entries[0])
	s1 := wire.Settlement{Seq: 1, TxnID: "T1-1", BalanceAfter: 9900}
	flagged := s1
	flagged.Flags = []string{wire.FlagChainBroken}
	checkResult(t, res, 1, s1, flagged) // the repeat after the conflict sees its flag
	if got := balance(t, s, "C1"); got != 9900 {
		t.Fatalf("balance %d, want 9900", got)
	}
	if txn := txnOf(t, s, "T1", 1); txn.Account != 100 || !slices.Equal(txn.Flags, []string{wire.FlagChainBroken}) {
		t.Fatalf("stored %+v", txn)
	}
}

// Every void record refunds its account part, as the ledger decides; a
// second void of one charge is stored and refunds again (the agent refuses
// it at the counter; supervisors see it here).
func testApplyVoids(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Charge("C1", 1000)
	j.Void("C1", "T1-1", 1000)
	j.Void("C1", "T1-1", 1000)
	res := apply(t, s, "T1", j.Entries...)
	checkResult(t, res, 3,
		wire.Settlement{Seq: 1, TxnID: "T1-1", BalanceAfter: 9000},
		wire.Settlement{Seq: 2, TxnID: "T1-2", BalanceAfter: 10000},
		wire.Settlement{Seq: 3, TxnID: "T1-3", BalanceAfter: 10000, Flags: []string{wire.FlagVoidRepeated}})
	if v := txnOf(t, s, "T1", 2); v.Kind != wire.KindVoid || v.Reverses != "T1-1" || len(v.Flags) != 0 {
		t.Fatalf("void stored as %+v", v)
	}
	// The second void of the same charge is kept and flagged, and refunds
	// nothing, also when it arrives in a later batch.
	if v := txnOf(t, s, "T1", 3); !slices.Contains(v.Flags, wire.FlagVoidRepeated) {
		t.Fatalf("repeated void stored as %+v", v)
	}
	j.Void("C1", "T1-1", 1000)
	res = apply(t, s, "T1", j.Entries[3:]...)
	checkResult(t, res, 4, wire.Settlement{Seq: 4, TxnID: "T1-4", BalanceAfter: 10000, Flags: []string{wire.FlagVoidRepeated}})
	if got := balance(t, s, "C1"); got != 10000 {
		t.Fatalf("balance %d after three voids of one charge, want 10000 (refunded once)", got)
	}
}

func testApplyCancelled(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Charge("C1", 1000)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Apply(ctx, "T1", j.Entries, store.Judging{ReceivedAt: received}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if got := balance(t, s, "C1"); got != 10000 {
		t.Fatalf("balance %d", got)
	}
	if term, _ := s.Terminal(t.Context(), "T1"); term.AckedSeq != 0 {
		t.Fatalf("acked %d", term.AckedSeq)
	}
}

// reviewReason is a review-severity reason, which makes a record flagged.
var reviewReason = policy.Reason{Code: policy.SplitDailyCount, Severity: policy.Review, Message: "m", MessageZh: "中",
	Evidence: map[string]any{"count": 4.0}}

// A void refunds only a charge of its own terminal, on the same card, for
// the same amount; any other void is kept, flagged VOID_UNMATCHED, and
// moves no money (a tampered terminal cannot mint balance with voids).
func testApplyVoidsMustMatch(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	enrol(t, s, "T2", "P1")
	importAccounts(t, s, active("C1", 10000), active("C2", 10000))
	other := newJournal(t, "T2")
	other.Charge("C1", 700) // T2-1
	apply(t, s, "T2", other.Entries...)

	j := newJournal(t, "T1")
	j.Charge("C1", 1000)              // T1-1
	j.Void("C1", "nonexistent", 5000) // no such charge
	j.Void("C2", "T1-1", 1000)        // another card
	j.Void("C1", "T1-1", 999)         // another amount
	j.Void("C1", "T2-1", 700)         // another terminal's charge
	j.Void("C1", "T1-1", 1000)        // the real one, same batch as its charge
	res := apply(t, s, "T1", j.Entries...)
	unmatched := []string{wire.FlagVoidUnmatched}
	checkResult(t, res, 6,
		wire.Settlement{Seq: 1, TxnID: "T1-1", BalanceAfter: 8300},
		wire.Settlement{Seq: 2, TxnID: "T1-2", BalanceAfter: 8300, Flags: unmatched},
		wire.Settlement{Seq: 3, TxnID: "T1-3", BalanceAfter: 10000, Flags: unmatched},
		wire.Settlement{Seq: 4, TxnID: "T1-4", BalanceAfter: 8300, Flags: unmatched},
		wire.Settlement{Seq: 5, TxnID: "T1-5", BalanceAfter: 8300, Flags: unmatched},
		wire.Settlement{Seq: 6, TxnID: "T1-6", BalanceAfter: 9300})
	if b1, b2 := balance(t, s, "C1"), balance(t, s, "C2"); b1 != 9300 || b2 != 10000 {
		t.Fatalf("balances C1 %d C2 %d, want 9300 and 10000", b1, b2)
	}
	// An unmatched void does not use up the charge's one refund, and the
	// charge the real void reversed leaves the card's history.
	hist, err := s.CardHistory(t.Context(), "C1", t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range hist {
		if p.TxnID == "T1-1" {
			t.Fatalf("voided charge still in the card's history: %+v", hist)
		}
	}
}
