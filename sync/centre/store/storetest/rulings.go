package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire/wiretest"
)

var rulingTests = []test{
	{"AcceptTakesHeldOnce", testRulingAccept},
	{"RefuseAtOrBelowThreshold", testRulingRefuseAtOnce},
	{"SecondReviewer", testRulingSecondReviewer},
	{"OverrulePending", testRulingOverrule},
	{"DeferThenAccept", testRulingDefer},
	{"NoteRequired", testRulingNote},
	{"NothingAwaiting", testRulingNothingAwaiting},
	{"VoidedWhileDeferred", testRulingVoidedDeferred},
	{"TwoSupervisorsAtOnce", testRulingConcurrent},
}

// limit is the second-review amount of the tests (fen).
const limit = 5000

// heldCharges enrols T1 and applies charges of the blocked card BLK
// (balance 100000), each held whole, at seqs 1, 2, ...
func heldCharges(t *testing.T, s store.Store, amounts ...int64) *wiretest.Journal {
	t.Helper()
	enrol(t, s, "T1", "P1")
	blk := active("BLK", 100000)
	blk.Blocked = true
	importAccounts(t, s, blk)
	j := newJournal(t, "T1")
	for _, a := range amounts {
		j.Charge("BLK", a)
	}
	apply(t, s, "T1", j.Entries...)
	for i, a := range amounts {
		if x := txnOf(t, s, "T1", uint64(i+1)); x.Hold != store.HoldHeld || x.Held != a {
			t.Fatalf("seq %d: %q %d, want held %d", i+1, x.Hold, x.Held, a)
		}
	}
	return j
}

// ruling is the tests' ruling request on T1's seq.
func ruling(seq uint64, action, by, note string) store.RulingRequest {
	return store.RulingRequest{Terminal: "T1", Seq: seq, Action: action, By: by, Note: note,
		At: minute(600 + int(seq)), SecondReviewAmount: limit}
}

// rule makes a ruling that must succeed and leave hold state want.
func rule(t *testing.T, s store.Store, r store.RulingRequest, want string) store.Txn {
	t.Helper()
	x, err := s.Rule(t.Context(), r)
	if err != nil || x.Hold != want || x.Seq != r.Seq || x.Terminal != r.Terminal {
		t.Fatalf("%s on %d by %s: %+v %v; want hold %q", r.Action, r.Seq, r.By, x, err, want)
	}
	if got := txnOf(t, s, r.Terminal, r.Seq); got.Hold != want {
		t.Fatalf("stored hold %q, want %q", got.Hold, want)
	}
	return x
}

// ruleFails makes a ruling that must fail with want and change nothing.
func ruleFails(t *testing.T, s store.Store, r store.RulingRequest, want error) {
	t.Helper()
	before := txnOf(t, s, r.Terminal, r.Seq)
	bal := balance(t, s, "BLK")
	hist := history(t, s, r.Seq)
	if _, err := s.Rule(t.Context(), r); !errors.Is(err, want) {
		t.Fatalf("%s on %d by %s: %v, want %v", r.Action, r.Seq, r.By, err, want)
	}
	if after := txnOf(t, s, r.Terminal, r.Seq); after.Hold != before.Hold {
		t.Fatalf("a refused ruling changed the hold %q → %q", before.Hold, after.Hold)
	}
	if balance(t, s, "BLK") != bal || len(history(t, s, r.Seq)) != len(hist) {
		t.Fatal("a refused ruling moved money or was recorded")
	}
}

func history(t *testing.T, s store.Store, seq uint64) []store.Ruling {
	t.Helper()
	rs, err := s.Rulings(t.Context(), "T1", seq)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// checkHistory compares a record's history with want (action, by, state).
func checkHistory(t *testing.T, s store.Store, seq uint64, want ...[3]string) {
	t.Helper()
	rs := history(t, s, seq)
	var got [][3]string
	for _, r := range rs {
		got = append(got, [3]string{r.Action, r.By, r.State})
	}
	if !slices.Equal(got, want) {
		t.Fatalf("history of %d: %v, want %v", seq, got, want)
	}
}

// testRulingAccept: an accept takes the held fen from the account (below
// zero if need be), once; it is recorded with its note and time; a second
// ruling finds nothing awaiting one; the charge now counts in the card's
// history, and a void refunds all of it.
func testRulingAccept(t *testing.T, open Opener) {
	s := open(t)
	heldCharges(t, s, 3000, 120000)
	if rs := history(t, s, 1); len(rs) != 0 {
		t.Fatalf("history before any ruling: %+v", rs)
	}
	if h, _ := s.CardHistory(t.Context(), "BLK", time.Time{}); len(h) != 0 {
		t.Fatalf("held charges in the card's history: %+v", h)
	}
	r := ruling(1, ledger.RulingAccept, "wang", "处方齐全")
	r.At = r.At.Add(1234567 * time.Nanosecond) // kept to the microsecond
	rule(t, s, r, store.HoldAccepted)
	if b := balance(t, s, "BLK"); b != 100000-3000 {
		t.Fatalf("balance %d after accepting 3000", b)
	}
	rs := history(t, s, 1)
	if len(rs) != 1 || rs[0] != (store.Ruling{Action: "accept", By: "wang", Note: "处方齐全", At: r.At.UTC().Truncate(time.Microsecond), State: store.HoldAccepted}) {
		t.Fatalf("history %+v", rs)
	}
	ruleFails(t, s, ruling(1, ledger.RulingAccept, "li", ""), store.ErrNoHold)
	ruleFails(t, s, ruling(1, ledger.RulingRefuse, "li", "x"), store.ErrNoHold)
	if h, _ := s.CardHistory(t.Context(), "BLK", time.Time{}); len(h) != 1 {
		t.Fatalf("an accepted charge counts in the history: %+v", h)
	}
	// Accepting more than the balance takes it below zero.
	rule(t, s, ruling(2, ledger.RulingAccept, "li", ""), store.HoldAccepted)
	if b := balance(t, s, "BLK"); b != 100000-3000-120000 {
		t.Fatalf("balance %d", b)
	}
	if held, err := s.Transactions(t.Context(), store.Filter{Held: true}); err != nil || len(held) != 0 {
		t.Fatalf("awaiting a ruling: %+v %v", held, err)
	}
}

// testRulingRefuseAtOnce: a refusal of at most second_review_amount takes
// effect at once; nothing moves, ever.
func testRulingRefuseAtOnce(t *testing.T, open Opener) {
	s := open(t)
	heldCharges(t, s, limit, 10)
	rule(t, s, ruling(1, ledger.RulingRefuse, "wang", "拆单"), store.HoldRefused)
	rule(t, s, ruling(2, ledger.RulingRefuse, "wang", "拆单"), store.HoldRefused)
	if b := balance(t, s, "BLK"); b != 100000 {
		t.Fatalf("balance %d after refusals", b)
	}
	checkHistory(t, s, 1, [3]string{"refuse", "wang", store.HoldRefused})
	ruleFails(t, s, ruling(1, ledger.RulingAccept, "li", ""), store.ErrNoHold)
	ruleFails(t, s, ruling(1, ledger.RulingConfirm, "li", ""), store.ErrNoHold)
	if h, _ := s.CardHistory(t.Context(), "BLK", time.Time{}); len(h) != 0 {
		t.Fatalf("refused charges in the card's history: %+v", h)
	}
}

// testRulingSecondReviewer: a refusal above second_review_amount waits,
// still held, for another supervisor; its author cannot confirm it.
func testRulingSecondReviewer(t *testing.T, open Opener) {
	s := open(t)
	heldCharges(t, s, limit+1)
	rule(t, s, ruling(1, ledger.RulingRefuse, "wang", "拆单，金额较大"), store.HoldRefusePending)
	if held, err := s.Transactions(t.Context(), store.Filter{Held: true}); err != nil || len(held) != 1 {
		t.Fatalf("a pending refusal still awaits a ruling: %+v %v", held, err)
	}
	ruleFails(t, s, ruling(1, ledger.RulingConfirm, "wang", ""), ledger.ErrOwnRuling)
	ruleFails(t, s, ruling(1, ledger.RulingAccept, "wang", ""), ledger.ErrOwnRuling)
	ruleFails(t, s, ruling(1, ledger.RulingRefuse, "li", "再拒"), ledger.ErrNotPending)
	rule(t, s, ruling(1, ledger.RulingConfirm, "li", "同意拒付"), store.HoldRefused)
	if b := balance(t, s, "BLK"); b != 100000 {
		t.Fatalf("balance %d after a confirmed refusal", b)
	}
	checkHistory(t, s, 1,
		[3]string{"refuse", "wang", store.HoldRefusePending},
		[3]string{"confirm", "li", store.HoldRefused})
	ruleFails(t, s, ruling(1, ledger.RulingConfirm, "zhao", ""), store.ErrNoHold)
	// With nothing pending there is nothing to confirm.
	heldOther := open(t)
	heldCharges(t, heldOther, 700)
	ruleFails(t, heldOther, ruling(1, ledger.RulingConfirm, "li", ""), ledger.ErrNotPending)
}

// testRulingOverrule: a second supervisor may accept a pending refusal
// instead of confirming it; the money moves once.
func testRulingOverrule(t *testing.T, open Opener) {
	s := open(t)
	heldCharges(t, s, 9000, 8000)
	rule(t, s, ruling(1, ledger.RulingRefuse, "wang", "拆单"), store.HoldRefusePending)
	rule(t, s, ruling(1, ledger.RulingAccept, "li", "有处方"), store.HoldAccepted)
	if b := balance(t, s, "BLK"); b != 100000-9000 {
		t.Fatalf("balance %d", b)
	}
	rule(t, s, ruling(2, ledger.RulingRefuse, "wang", "拆单"), store.HoldRefusePending)
	rule(t, s, ruling(2, ledger.RulingDefer, "li", "待查"), store.HoldDeferred)
	// The refusal that awaited confirmation is gone: wang may rule again.
	rule(t, s, ruling(2, ledger.RulingRefuse, "wang", "查实"), store.HoldRefusePending)
	ruleFails(t, s, ruling(2, ledger.RulingConfirm, "wang", ""), ledger.ErrOwnRuling)
	rule(t, s, ruling(2, ledger.RulingConfirm, "li", ""), store.HoldRefused)
	checkHistory(t, s, 2,
		[3]string{"refuse", "wang", store.HoldRefusePending},
		[3]string{"defer", "li", store.HoldDeferred},
		[3]string{"refuse", "wang", store.HoldRefusePending},
		[3]string{"confirm", "li", store.HoldRefused})
	if b := balance(t, s, "BLK"); b != 100000-9000 {
		t.Fatalf("balance %d", b)
	}
}

// testRulingDefer: a deferred hold (缓付) is still held and awaits a
// later ruling; deferring moves nothing.
func testRulingDefer(t *testing.T, open Opener) {
	s := open(t)
	heldCharges(t, s, 2500)
	rule(t, s, ruling(1, ledger.RulingDefer, "wang", "待核实处方"), store.HoldDeferred)
	rule(t, s, ruling(1, ledger.RulingDefer, "li", "仍待核实"), store.HoldDeferred)
	if b := balance(t, s, "BLK"); b != 100000 {
		t.Fatalf("balance %d after deferring", b)
	}
	if held, err := s.Transactions(t.Context(), store.Filter{Held: true}); err != nil || len(held) != 1 {
		t.Fatalf("a deferred hold awaits a ruling: %+v %v", held, err)
	}
	if h, _ := s.CardHistory(t.Context(), "BLK", time.Time{}); len(h) != 0 {
		t.Fatalf("a deferred charge in the card's history: %+v", h)
	}
	rule(t, s, ruling(1, ledger.RulingAccept, "wang", ""), store.HoldAccepted)
	if b := balance(t, s, "BLK"); b != 100000-2500 {
		t.Fatalf("balance %d", b)
	}
	checkHistory(t, s, 1,
		[3]string{"defer", "wang", store.HoldDeferred},
		[3]string{"defer", "li", store.HoldDeferred},
		[3]string{"accept", "wang", store.HoldAccepted})
}

// testRulingNote: refuse and defer need a note; a bad request changes
// nothing.
func testRulingNote(t *testing.T, open Opener) {
	s := open(t)
	heldCharges(t, s, 100)
	ruleFails(t, s, ruling(1, ledger.RulingRefuse, "wang", ""), ledger.ErrNoteRequired)
	ruleFails(t, s, ruling(1, ledger.RulingDefer, "wang", " \n"), ledger.ErrNoteRequired)
	ruleFails(t, s, ruling(1, "pay", "wang", "x"), ledger.ErrBadRuling)
	ruleFails(t, s, ruling(1, ledger.RulingAccept, "", ""), ledger.ErrBadRuling)
	long := make([]rune, ledger.MaxNoteRunes+1)
	for i := range long {
		long[i] = '审'
	}
	ruleFails(t, s, ruling(1, ledger.RulingAccept, "wang", string(long)), ledger.ErrBadRuling)
	ruleFails(t, s, ruling(1, ledger.RulingAccept, "wang", "a\x00b"), ledger.ErrBadRuling)
	rule(t, s, ruling(1, ledger.RulingRefuse, "wang", string(long[1:])), store.HoldRefused)
	if rs := history(t, s, 1); len(rs) != 1 || rs[0].Note != string(long[1:]) {
		t.Fatalf("the note was not kept whole: %+v", rs)
	}
}

// testRulingNothingAwaiting: records with nothing held, or whose hold was
// ruled on or lapsed, refuse rulings; unknown records are not found.
func testRulingNothingAwaiting(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	blk := active("BLK", 100000)
	blk.Blocked = true
	importAccounts(t, s, blk, active("OK", 5000))
	j := newJournal(t, "T1")
	j.Charge("OK", 1000)       // 1: nothing held
	j.Charge("BLK", 700)       // 2: held, then voided
	j.Void("BLK", "T1-2", 700) // 3
	apply(t, s, "T1", j.Entries...)
	if x := txnOf(t, s, "T1", 2); x.Hold != store.HoldVoided {
		t.Fatalf("voided hold %q", x.Hold)
	}
	for _, seq := range []uint64{1, 2, 3} {
		for _, a := range []string{ledger.RulingAccept, ledger.RulingRefuse, ledger.RulingDefer, ledger.RulingConfirm} {
			ruleFails(t, s, ruling(seq, a, "wang", "x"), store.ErrNoHold)
		}
	}
	for _, r := range []store.RulingRequest{ruling(9, "accept", "wang", ""), {Terminal: "T9", Seq: 1, Action: "accept", By: "wang"}} {
		if _, err := s.Rule(t.Context(), r); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rule on %s/%d: %v", r.Terminal, r.Seq, err)
		}
		if _, err := s.Rulings(t.Context(), r.Terminal, r.Seq); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rulings of %s/%d: %v", r.Terminal, r.Seq, err)
		}
	}
}

// testRulingVoidedDeferred: a void lets a deferred or pending hold lapse
// as it does a held one; nothing can be ruled on it after.
func testRulingVoidedDeferred(t *testing.T, open Opener) {
	s := open(t)
	j := heldCharges(t, s, 700, 9000)
	rule(t, s, ruling(1, ledger.RulingDefer, "wang", "待查"), store.HoldDeferred)
	rule(t, s, ruling(2, ledger.RulingRefuse, "wang", "拆单"), store.HoldRefusePending)
	j.Void("BLK", "T1-1", 700)
	j.Void("BLK", "T1-2", 9000)
	apply(t, s, "T1", j.Entries...)
	for _, seq := range []uint64{1, 2} {
		if x := txnOf(t, s, "T1", seq); x.Hold != store.HoldVoided {
			t.Fatalf("seq %d: hold %q after its void", seq, x.Hold)
		}
	}
	ruleFails(t, s, ruling(1, ledger.RulingAccept, "li", ""), store.ErrNoHold)
	ruleFails(t, s, ruling(2, ledger.RulingConfirm, "li", ""), store.ErrNoHold)
	if b := balance(t, s, "BLK"); b != 100000 {
		t.Fatalf("balance %d", b)
	}
}

// testRulingConcurrent: supervisors ruling one record at once are
// serialised; each round exactly one accept takes the money, once, and
// the history has one entry per ruling that succeeded.
func testRulingConcurrent(t *testing.T, open Opener) {
	const rounds = 12
	s := open(t)
	amounts := make([]int64, rounds)
	for i := range amounts {
		amounts[i] = 100 + int64(i)
	}
	heldCharges(t, s, amounts...)
	want := int64(100000)
	for round := range rounds {
		seq := uint64(round + 1)
		// Round by round: two accepts; an accept and a refusal; a
		// refusal that needs a second reviewer and two confirmations.
		var asks []store.RulingRequest
		switch round % 3 {
		case 0:
			asks = []store.RulingRequest{ruling(seq, "accept", "wang", ""), ruling(seq, "accept", "li", ""),
				ruling(seq, "accept", "zhao", "")}
		case 1:
			asks = []store.RulingRequest{ruling(seq, "accept", "wang", ""), ruling(seq, "refuse", "li", "拆单"),
				ruling(seq, "defer", "zhao", "待查")}
		case 2:
			r := ruling(seq, "refuse", "wang", "拆单")
			r.SecondReviewAmount = 0
			rule(t, s, r, store.HoldRefusePending)
			asks = []store.RulingRequest{ruling(seq, "confirm", "li", ""), ruling(seq, "confirm", "zhao", ""),
				ruling(seq, "accept", "qian", ""), ruling(seq, "confirm", "wang", "")}
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
			oks  []store.Txn
		)
		for _, a := range asks {
			wg.Go(func() {
				x, err := s.Rule(t.Context(), a)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else {
					oks = append(oks, x)
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if !errors.Is(err, store.ErrNoHold) && !errors.Is(err, ledger.ErrOwnRuling) && !errors.Is(err, ledger.ErrNotPending) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		final := txnOf(t, s, "T1", seq)
		accepted := 0
		for _, x := range oks {
			if x.Hold == store.HoldAccepted {
				accepted++
			}
		}
		if (final.Hold == store.HoldAccepted) != (accepted == 1) || accepted > 1 {
			t.Fatalf("round %d: final %q, %d accepts took", round, final.Hold, accepted)
		}
		if final.Hold == store.HoldAccepted {
			want -= amounts[round]
		}
		if b := balance(t, s, "BLK"); b != want {
			t.Fatalf("round %d: balance %d, want %d", round, b, want)
		}
		hist := history(t, s, seq)
		if n := len(oks) + map[bool]int{true: 1}[round%3 == 2]; len(hist) != n || hist[len(hist)-1].State != final.Hold {
			t.Fatalf("round %d: history %+v after %d rulings, final %q", round, hist, n, final.Hold)
		}
		if round%3 == 0 && (len(oks) != 1 || final.Hold != store.HoldAccepted) {
			t.Fatalf("round %d: %d of three accepts took", round, len(oks))
		}
	}
	if want == 100000 {
		t.Fatal("no accept took in any round")
	}
}
