package storetest

import (
	"slices"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
	"posagent/sync/wire/wiretest"
)

// t0 is the start of the tests' day, in the pharmacies' zone.
var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// minute is t0 plus n minutes.
func minute(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }

func enrol(t testing.TB, s store.Store, id, pharmacy string) {
	t.Helper()
	if err := s.EnrolTerminal(t.Context(), store.Terminal{ID: id, Pharmacy: pharmacy, TokenHash: "h", EnrolledAt: t0}); err != nil {
		t.Fatal(err)
	}
}

func importAccounts(t testing.TB, s store.Store, hs ...policy.Holder) {
	t.Helper()
	if err := s.ImportAccounts(t.Context(), hs); err != nil {
		t.Fatal(err)
	}
}

func active(card string, balance int64) policy.Holder {
	return policy.Holder{CardNo: card, Name: "n" + card, Status: "active", Balance: balance}
}

func balance(t testing.TB, s store.Store, card string) int64 {
	t.Helper()
	h, err := s.Account(t.Context(), card)
	if err != nil {
		t.Fatal(err)
	}
	return h.Balance
}

// newJournal starts a terminal's journal, its records a minute apart
// from t0.
func newJournal(t testing.TB, terminal string) *wiretest.Journal {
	return wiretest.NewJournal(t, terminal, t0)
}

// received is when the centre received the tests' batches: late enough
// that no record of a test's journal is dated after it, early enough that
// none is older than the staleness window.
var received = t0.Add(72 * time.Hour)

func apply(t testing.TB, s store.Store, terminal string, es ...wire.Entry) store.ApplyResult {
	t.Helper()
	res, err := s.Apply(t.Context(), terminal, es, store.Judging{ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// txnOf returns the stored transaction at (terminal, seq).
func txnOf(t testing.TB, s store.Store, terminal string, seq uint64) store.Txn {
	t.Helper()
	ts, err := s.Transactions(t.Context(), store.Filter{Terminal: terminal})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ts {
		if x.Seq == seq {
			return x
		}
	}
	t.Fatalf("no transaction %s/%d", terminal, seq)
	return store.Txn{}
}

func settlementEqual(a, b wire.Settlement) bool {
	return a.Seq == b.Seq && a.TxnID == b.TxnID && a.BalanceAfter == b.BalanceAfter && slices.Equal(a.Flags, b.Flags)
}

// checkResult fails t unless res has the acked seq and settlements wanted.
func checkResult(t testing.TB, res store.ApplyResult, acked uint64, want ...wire.Settlement) {
	t.Helper()
	if res.AckedSeq != acked || !slices.EqualFunc(res.Results, want, settlementEqual) {
		t.Fatalf("got acked %d %+v\nwant acked %d %+v", res.AckedSeq, res.Results, acked, want)
	}
}

// ids lists the txn ids of ts ("-" for records without one).
func ids(ts []store.Txn) []string {
	out := []string{}
	for _, x := range ts {
		id := x.TxnID
		if id == "" {
			id = "-"
		}
		out = append(out, id)
	}
	return out
}
