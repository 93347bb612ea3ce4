package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/wire"
)

var (
	ctx = context.Background()
	t0  = time.Date(2025, 3, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
)

// openTest opens a store in a fresh temporary directory, closed at cleanup.
func openTest(t testing.TB) (*Bolt, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "centre.db")
	return reopen(t, path), path
}

// reopen opens the store at path, closed at cleanup.
func reopen(t testing.TB, path string) *Bolt {
	t.Helper()
	s, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func enrol(t testing.TB, s Store, id, pharmacy string) {
	t.Helper()
	if err := s.EnrolTerminal(ctx, Terminal{ID: id, Pharmacy: pharmacy, TokenHash: "h", EnrolledAt: t0}); err != nil {
		t.Fatal(err)
	}
}

func importAccounts(t testing.TB, s Store, hs ...policy.Holder) {
	t.Helper()
	if err := s.ImportAccounts(ctx, hs); err != nil {
		t.Fatal(err)
	}
}

func active(card string, balance int64) policy.Holder {
	return policy.Holder{CardNo: card, Name: "n" + card, Status: "active", Balance: balance}
}

func balance(t testing.TB, s Store, card string) int64 {
	t.Helper()
	h, err := s.Account(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	return h.Balance
}

// journal is an agent's journal in miniature: it seals properly chained
// records for one terminal.
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

// add seals the next record; edit, when given, changes it first.
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

func apply(t testing.TB, s Store, terminal string, es ...wire.Entry) ApplyResult {
	t.Helper()
	res, err := s.Apply(ctx, terminal, es, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return res
}
