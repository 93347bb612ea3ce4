package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
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

// journal is an agent's journal in miniature: it seals properly chained
// records for one terminal, a minute apart.
type journal struct {
	t        testing.TB
	terminal string
	seq      uint64
	last     string
	at       time.Time
	entries  []wire.Entry // entries[i] has seq i+1
}

func newJournal(t testing.TB, terminal string) *journal {
	return &journal{t: t, terminal: terminal, at: t0}
}

// add seals the next record (its At defaults to a minute after the last).
func (j *journal) add(rec wire.Record) wire.Entry {
	j.t.Helper()
	j.seq++
	j.at = j.at.Add(time.Minute)
	rec.Terminal, rec.Seq, rec.PrevHash = j.terminal, j.seq, j.last
	if rec.At.IsZero() {
		rec.At = j.at
	}
	e, err := wire.Seal(rec)
	if err != nil {
		j.t.Fatal(err)
	}
	j.last = e.Hash
	j.entries = append(j.entries, e)
	return e
}

// txnID is the id the next record's transaction gets.
func (j *journal) txnID() string { return fmt.Sprintf("%s-%d", j.terminal, j.seq+1) }

func (j *journal) charge(card string, account int64) wire.Entry {
	return j.add(wire.Record{
		Kind: wire.KindCharge, TxnID: j.txnID(), CardNo: card, Cashier: "c1",
		Total: account + 100, Account: account, Cash: 100,
		Lines: []wire.Line{{Code: "X01", Qty: 1, UnitPrice: account + 100, Amount: account + 100, Account: account, Cash: 100, Days: 7000}},
	})
}

func (j *journal) void(card, txnID string, account int64) wire.Entry {
	return j.add(wire.Record{Kind: wire.KindVoid, TxnID: j.txnID(), CardNo: card, Reverses: txnID, Account: account})
}

func (j *journal) quote(card string) wire.Entry {
	return j.add(wire.Record{Kind: wire.KindQuote, CardNo: card, Total: 100})
}

// edited returns entry i (0-based) with its record changed by edit; when
// rehash is false the entry keeps its old hash (edited in place).
func (j *journal) edited(i int, rehash bool, edit func(*wire.Record)) wire.Entry {
	j.t.Helper()
	rec, err := wire.Open(j.entries[i])
	if err != nil {
		j.t.Fatal(err)
	}
	edit(&rec)
	e, err := wire.Seal(rec)
	if err != nil {
		j.t.Fatal(err)
	}
	if !rehash {
		e.Hash = j.entries[i].Hash
	}
	return e
}

// received is when the centre received the tests' batches.
var received = t0.Add(time.Hour)

func apply(t testing.TB, s store.Store, terminal string, es ...wire.Entry) store.ApplyResult {
	t.Helper()
	res, err := s.Apply(t.Context(), terminal, es, received)
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
