package pgstore

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"posagent/internal/pgtest"
	"posagent/internal/sample"
	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
	"posagent/sync/wire/wiretest"
)

// cst is the region's zone in these tests: days begin at 16:00 UTC.
var cst = time.FixedZone("CST", 8*3600)

// sampleBundle is the repository's sample catalogue and rules as version
// 7: D0006 is a cold medicine, and a card's fourth purchase of a day may
// take nothing from the account (daily_count 3).
func sampleBundle(t testing.TB) *policy.Bundle { return sample.Bundle(t, 7) }

// judging re-judges against the sample bundle, version 7.
func judging(t testing.TB, received time.Time) store.Judging {
	b := sampleBundle(t)
	return store.Judging{ReceivedAt: received, Zone: cst, Bundle: func(v int64) *policy.Bundle {
		if v == b.Version {
			return b
		}
		return nil
	}}
}

// cold is a charge of qty packs of D0006 at 980 fen, all from the account
// unless cash, naming rules version 7.
func cold(txnID, card string, at time.Time, qty int64, cash bool) wire.Record {
	amount := 980 * qty
	l := wire.Line{Code: "D0006", Barcode: "6901234500066", Qty: qty, UnitPrice: 980, Amount: amount, Account: amount}
	rec := wire.Record{Kind: wire.KindCharge, TxnID: txnID, CardNo: card, At: at, RulesVersion: 7,
		Total: amount, Account: amount, Lines: []wire.Line{l}}
	if cash {
		rec.Account, rec.Cash = 0, amount
		rec.Lines[0].Account, rec.Lines[0].Cash = 0, amount
	}
	return rec
}

// voidOf is a void of charge c, at at.
func voidOf(txnID string, c wire.Record, at time.Time) wire.Record {
	return wire.Record{Kind: wire.KindVoid, TxnID: txnID, CardNo: c.CardNo, Reverses: c.TxnID, At: at,
		Total: c.Account, Account: c.Account}
}

func txnAt(t testing.TB, s store.Store, terminal string, seq uint64) store.Txn {
	t.Helper()
	ts, err := s.Transactions(ctx, store.Filter{Terminal: terminal})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ts {
		if x.Seq == seq {
			return x
		}
	}
	t.Fatalf("no record %s/%d", terminal, seq)
	return store.Txn{}
}

func balanceOf(t testing.TB, s store.Store, card string) int64 {
	t.Helper()
	h, err := s.Account(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	return h.Balance
}

// A charge the centre does not allow in full is held; a ruling accepts it
// (the held fen are taken, even below zero, and a void then refunds all
// of it) or refuses it (nothing moves; it leaves the card's history, and a
// void refunds only what was taken). A void of a charge still held lets
// the hold lapse.
func TestRuleHold(t *testing.T) {
	s, _ := openTest(t)
	setup(t, s)
	day := time.Date(2025, 3, 3, 9, 0, 0, 0, cst)
	var recs []wire.Record
	for i := range 4 {
		recs = append(recs, cold(fmt.Sprintf("c%d", i+1), "C1", day.Add(time.Duration(i)*time.Minute), 2, false)) // 1960 each
	}
	j := wiretest.NewJournal(t, "T1", day)
	for _, r := range recs {
		j.Add(r)
	}
	if _, err := s.Apply(ctx, "T1", j.Entries, judging(t, day.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	// The fourth charge of the day may take nothing from the account.
	fourth := txnAt(t, s, "T1", 4)
	if fourth.Held != 1960 || fourth.Hold != store.HoldHeld || !slices.Equal(fourth.Flags, []string{ledger.CodePolicyMismatch}) ||
		len(fourth.Findings) != 1 || fourth.Findings[0].Code != ledger.CodePolicyMismatch || fourth.Findings[0].Evidence["allowed"] != 0 {
		t.Fatalf("fourth charge %+v", fourth)
	}
	if got := balanceOf(t, s, "C1"); got != 10000-3*1960 {
		t.Fatalf("balance %d", got)
	}
	if held, err := s.Transactions(ctx, store.Filter{Held: true}); err != nil || len(held) != 1 || held[0].Seq != 4 {
		t.Fatalf("held %+v %v", held, err)
	}
	if h, err := s.CardHistory(ctx, "C1", time.Time{}); err != nil || len(h) != 3 {
		t.Fatalf("a held charge counts in the history: %d %v", len(h), err)
	}

	for _, c := range []struct {
		terminal string
		seq      uint64
		want     error
	}{{"T1", 9, store.ErrNotFound}, {"T9", 4, store.ErrNotFound}, {"T\x00", 4, store.ErrNotFound}, {"T1", 0, store.ErrNotFound}, {"T1", 1, store.ErrNoHold}} {
		if _, err := ruleHold(s, c.terminal, c.seq, true); !errors.Is(err, c.want) {
			t.Fatalf("rule on %q/%d: %v, want %v", c.terminal, c.seq, err, c.want)
		}
	}

	// Accepted: the 1960 fen are taken, below zero.
	if err := s.ImportAccounts(ctx, []policy.Holder{{CardNo: "C1", Status: "active", Balance: 1000}}); err != nil {
		t.Fatal(err)
	}
	got, err := ruleHold(s, "T1", 4, true)
	if err != nil || got.Hold != store.HoldAccepted || got.Held != 1960 || got.Seq != 4 || got.TxnID != "c4" {
		t.Fatalf("accepted: %+v %v", got, err)
	}
	if b := balanceOf(t, s, "C1"); b != 1000-1960 {
		t.Fatalf("balance after acceptance %d", b)
	}
	if _, err := ruleHold(s, "T1", 4, false); !errors.Is(err, store.ErrNoHold) {
		t.Fatalf("a second ruling: %v", err)
	}
	if held, err := s.Transactions(ctx, store.Filter{Held: true}); err != nil || len(held) != 0 {
		t.Fatalf("held after the ruling %+v %v", held, err)
	}
	if h, err := s.CardHistory(ctx, "C1", time.Time{}); err != nil || len(h) != 4 {
		t.Fatalf("an accepted charge counts: %d %v", len(h), err)
	}

	// A fifth charge is held, then refused: nothing moves, and it leaves
	// the history. A sixth is held and voided in the same batch; the
	// void of the fifth refunds nothing it did not take; the void of the
	// accepted fourth refunds all of it.
	if err := s.ImportAccounts(ctx, []policy.Holder{{CardNo: "C1", Status: "active", Balance: 10000}}); err != nil {
		t.Fatal(err)
	}
	fifth := cold("c5", "C1", day.Add(10*time.Minute), 1, false)
	j.Add(fifth)
	if _, err := s.Apply(ctx, "T1", j.Entries[4:], judging(t, day.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if x := txnAt(t, s, "T1", 5); x.Hold != store.HoldHeld || x.Held != 980 {
		t.Fatalf("fifth %+v", x)
	}
	if x, err := ruleHold(s, "T1", 5, false); err != nil || x.Hold != store.HoldRefused || x.Held != 980 {
		t.Fatalf("refused: %+v %v", x, err)
	}
	if b := balanceOf(t, s, "C1"); b != 10000 {
		t.Fatalf("a refusal moved money: %d", b)
	}
	if h, err := s.CardHistory(ctx, "C1", time.Time{}); err != nil || len(h) != 4 {
		t.Fatalf("a refused charge counts: %d %v", len(h), err)
	}
	sixth := cold("c6", "C1", day.Add(11*time.Minute), 1, false)
	j.Add(sixth)
	j.Add(voidOf("v6", sixth, day.Add(12*time.Minute)))
	j.Add(voidOf("v5", fifth, day.Add(13*time.Minute)))
	j.Add(voidOf("v4", recs[3], day.Add(14*time.Minute)))
	res, err := s.Apply(ctx, "T1", j.Entries[5:], judging(t, day.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{10000, 10000, 10000, 10000 + 1960}
	for i, r := range res.Results {
		if r.BalanceAfter != want[i] || len(r.Flags) != 0 && r.Seq != 6 {
			t.Fatalf("results %+v, want balances %v", res.Results, want)
		}
	}
	if x := txnAt(t, s, "T1", 6); x.Hold != store.HoldVoided || x.Held != 980 {
		t.Fatalf("voided while held: %+v", x)
	}
	if x := txnAt(t, s, "T1", 5); x.Hold != store.HoldRefused {
		t.Fatalf("a void changed a refusal: %+v", x)
	}
}

// A held charge stored in an earlier batch: its void lets the hold lapse
// and refunds only what was taken. A repeated txn_id is held whole and
// never replaces the charge voids match.
func TestVoidsMatchTheFirstChargeOfATxnID(t *testing.T) {
	s, _ := openTest(t)
	setup(t, s)
	if err := s.ImportAccounts(ctx, []policy.Holder{{CardNo: "C1", Status: "active", Balance: 3000}}); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 3, 3, 9, 0, 0, 0, cst)
	j := wiretest.NewJournal(t, "T1", day)
	first := cold("a", "C1", day, 2, false) // 1960: 1040 left
	j.Add(first)
	j.Add(cold("a", "C1", day.Add(time.Minute), 1, false)) // DUPLICATE_TXN: 980 held
	b := cold("b", "C1", day.Add(2*time.Minute), 2, false) // 1960: 920 held as OVERDRAFT
	j.Add(b)
	if _, err := s.Apply(ctx, "T1", j.Entries, judging(t, day.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	dup, over := txnAt(t, s, "T1", 2), txnAt(t, s, "T1", 3)
	if dup.Held != 980 || !slices.Equal(dup.Flags, []string{ledger.CodeDuplicateTxn}) || over.Held != 920 ||
		!slices.Equal(over.Flags, []string{wire.FlagOverdraft}) || balanceOf(t, s, "C1") != 0 {
		t.Fatalf("repeat %+v\noverdraft %+v\nbalance %d", dup, over, balanceOf(t, s, "C1"))
	}
	j.Add(voidOf("vb", b, day.Add(3*time.Minute)))
	j.Add(voidOf("va", cold("a", "C1", day, 1, false), day.Add(4*time.Minute))) // the repeat's amount: unmatched
	j.Add(voidOf("va", first, day.Add(5*time.Minute)))
	res, err := s.Apply(ctx, "T1", j.Entries[3:], judging(t, day.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.Settlement{
		{Seq: 4, TxnID: "vb", BalanceAfter: 1040},
		{Seq: 5, TxnID: "va", BalanceAfter: 1040, Flags: []string{wire.FlagVoidUnmatched}},
		{Seq: 6, TxnID: "va", BalanceAfter: 3000},
	}
	if !reflect.DeepEqual(res.Results, want) {
		t.Fatalf("results %+v\nwant    %+v", res.Results, want)
	}
	if x := txnAt(t, s, "T1", 3); x.Hold != store.HoldVoided {
		t.Fatalf("the overdraft's hold: %+v", x)
	}
	if x := txnAt(t, s, "T1", 2); x.Hold != store.HoldHeld {
		t.Fatalf("the repeat's hold: %+v", x)
	}
}

// Of many concurrent rulings on one hold, one moves the money.
func TestConcurrentRulingsMoveMoneyOnce(t *testing.T) {
	s, _ := openTest(t)
	setup(t, s)
	day := time.Date(2025, 3, 3, 9, 0, 0, 0, cst)
	j := wiretest.NewJournal(t, "T1", day)
	if err := s.ImportAccounts(ctx, []policy.Holder{{CardNo: "C1", Status: "active", Balance: 200}}); err != nil {
		t.Fatal(err)
	}
	j.Add(cold("a", "C1", day, 2, false)) // 1960: 1760 held
	if _, err := s.Apply(ctx, "T1", j.Entries, judging(t, day.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ruled    int
		failures []error
	)
	for i := range 8 {
		wg.Go(func() {
			_, err := ruleHold(s, "T1", 1, i%2 == 0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ruled++
			case !errors.Is(err, store.ErrNoHold):
				failures = append(failures, err)
			}
		})
	}
	wg.Wait()
	if ruled != 1 || len(failures) > 0 {
		t.Fatalf("%d rulings took, errors %v", ruled, failures)
	}
	want := int64(0)
	if txnAt(t, s, "T1", 1).Hold == store.HoldAccepted {
		want = -1760
	}
	if b := balanceOf(t, s, "C1"); b != want {
		t.Fatalf("balance %d, want %d", b, want)
	}
}

// The same batches and rulings, judged against the sample bundle, leave
// both stores alike: every record with its flags, hold and findings, every
// balance and every card history. The batches share cards across
// terminals and pharmacies, repeat txn_ids, void charges (some held, some
// of another day or amount) and go over the daily count and balances.
func TestJudgingMatchesTheEmbeddedStore(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	pg, err := Open(ctx, pgtest.Start(t), Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	bolt, err := store.OpenBolt(filepath.Join(t.TempDir(), "centre.db"), store.BoltOptions{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	stores := []store.Store{bolt, pg}
	cards := []string{"A1", "A2", "A3", "A4"}
	for _, s := range stores {
		for _, term := range []struct{ id, pharmacy string }{{"T1", "P1"}, {"T2", "P1"}, {"T3", "P2"}} {
			if err := s.EnrolTerminal(ctx, store.Terminal{ID: term.id, Pharmacy: term.pharmacy, TokenHash: "h", EnrolledAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		err := s.ImportAccounts(ctx, []policy.Holder{
			{CardNo: "A1", Status: "active", Balance: 8000}, {CardNo: "A2", Status: "active", Balance: 100000},
			{CardNo: "A3", Status: "active", Balance: 50000, Blocked: true},
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	rng := rand.New(rand.NewPCG(9, 9))
	start := time.Date(2025, 3, 3, 9, 0, 0, 0, cst)
	journals := map[string]*wiretest.Journal{}
	charges := map[string][]wire.Record{}
	sent := map[string]int{}
	for _, id := range []string{"T1", "T2", "T3"} {
		journals[id] = wiretest.NewJournal(t, id, start)
	}
	n := 0
	for round := range 60 {
		day := start.AddDate(0, 0, round/15)
		term := []string{"T1", "T2", "T3"}[rng.IntN(3)]
		jn := journals[term]
		for range 1 + rng.IntN(5) {
			n++
			at := day.Add(time.Duration(rng.IntN(600)) * time.Minute)
			own := charges[term]
			switch k := rng.IntN(10); {
			case k < 3 && len(own) > 0:
				c := own[rng.IntN(len(own))]
				v := voidOf(fmt.Sprintf("v%d", n), c, c.At.Add(time.Duration(rng.IntN(30))*time.Minute))
				if rng.IntN(6) == 0 {
					v.Account++
					v.Total++
				}
				jn.Add(v)
			default:
				txnID := fmt.Sprintf("%s-%d", term, n)
				if len(own) > 0 && rng.IntN(8) == 0 {
					txnID = own[rng.IntN(len(own))].TxnID
				}
				c := cold(txnID, cards[rng.IntN(len(cards))], at, 1+rng.Int64N(4), rng.IntN(5) == 0)
				c.Offline = rng.IntN(3) == 0
				if rng.IntN(12) == 0 {
					c.RulesVersion = 8
				}
				jn.Add(c)
				charges[term] = append(charges[term], c)
			}
		}
		from := max(0, sent[term]-rng.IntN(3)) // sometimes resent
		batch := jn.Entries[from:]
		sent[term] = len(jn.Entries)
		received := day.Add(11 * time.Hour)
		var results []store.ApplyResult
		for _, s := range stores {
			res, err := s.Apply(ctx, term, batch, judging(t, received))
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			results = append(results, res)
		}
		if !reflect.DeepEqual(results[0], results[1]) {
			t.Fatalf("round %d: embedded %+v\npostgres %+v", round, results[0], results[1])
		}
		if rng.IntN(3) == 0 {
			held, err := bolt.Transactions(ctx, store.Filter{Held: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(held) > 0 {
				h := held[rng.IntN(len(held))]
				r := store.RulingRequest{Terminal: h.Terminal, Seq: h.Seq, By: "wang", Note: "n", At: received,
					Action:             []string{ledger.RulingAccept, ledger.RulingRefuse, ledger.RulingDefer}[rng.IntN(3)],
					SecondReviewAmount: 1000}
				if h.Hold == store.HoldRefusePending {
					r.Action, r.By = []string{ledger.RulingConfirm, ledger.RulingAccept, ledger.RulingDefer}[rng.IntN(3)], "li"
				}
				var got []store.Txn
				var hist [][]store.Ruling
				for _, s := range stores {
					x, err := s.Rule(ctx, r)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, normal(x))
					rs, err := s.Rulings(ctx, h.Terminal, h.Seq)
					if err != nil {
						t.Fatal(err)
					}
					hist = append(hist, rs)
				}
				if !reflect.DeepEqual(got[0], got[1]) || !reflect.DeepEqual(hist[0], hist[1]) {
					t.Fatalf("round %d: ruling\nembedded %+v %+v\npostgres %+v %+v", round, got[0], hist[0], got[1], hist[1])
				}
			}
		}
	}
	sameState(t, stores, cards)
}

// sameState compares what the stores hold.
func sameState(t *testing.T, stores []store.Store, cards []string) {
	t.Helper()
	var txns [][]store.Txn
	for _, s := range stores {
		ts, err := s.Transactions(ctx, store.Filter{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		for i := range ts {
			ts[i] = normal(ts[i])
		}
		txns = append(txns, ts)
	}
	if len(txns[0]) != len(txns[1]) {
		t.Fatalf("%d records embedded, %d in postgres", len(txns[0]), len(txns[1]))
	}
	var held, findings int
	for i := range txns[0] {
		if !reflect.DeepEqual(txns[0][i], txns[1][i]) {
			t.Fatalf("record %d\nembedded %+v\npostgres %+v", i, txns[0][i], txns[1][i])
		}
		if txns[0][i].Held > 0 {
			held++
		}
		findings += len(txns[0][i].Findings)
	}
	if held < 5 || findings < 5 {
		t.Fatalf("the scenario held %d charges with %d findings: too few to compare", held, findings)
	}
	for _, c := range cards {
		var hists [][]policy.Purchase
		var balances []int64
		for _, s := range stores {
			h, err := s.CardHistory(ctx, c, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			for i := range h {
				h[i].At = h[i].At.UTC()
			}
			hists = append(hists, h)
			a, err := s.Account(ctx, c)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			balances = append(balances, a.Balance)
		}
		if !reflect.DeepEqual(hists[0], hists[1]) || balances[0] != balances[1] {
			t.Fatalf("card %s: balances %v\nembedded history %+v\npostgres history %+v", c, balances, hists[0], hists[1])
		}
	}
}

// normal makes a Txn comparable across stores: times in UTC, no empty
// slices.
func normal(x store.Txn) store.Txn {
	x.At, x.ReceivedAt = x.At.UTC(), x.ReceivedAt.UTC()
	if len(x.Flags) == 0 {
		x.Flags = nil
	}
	if len(x.Reasons) == 0 {
		x.Reasons = nil
	}
	if len(x.Findings) == 0 {
		x.Findings = nil
	}
	return x
}

// ruleHold accepts or refuses a hold, a refusal taking effect at once.
func ruleHold(s store.Store, terminal string, seq uint64, accept bool) (store.Txn, error) {
	r := store.RulingRequest{Terminal: terminal, Seq: seq, Action: ledger.RulingRefuse, By: "wang", Note: "拆单",
		At: time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC), SecondReviewAmount: math.MaxInt64}
	if accept {
		r.Action = ledger.RulingAccept
	}
	return s.Rule(ctx, r)
}
