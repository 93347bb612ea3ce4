package pgstore

import (
	"bytes"
	"errors"
	"log/slog"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"posagent/internal/pgtest"
	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// seal seals records of terminal T1 as a chain from seq 1.
func seal(t testing.TB, recs ...wire.Record) []wire.Entry {
	t.Helper()
	var out []wire.Entry
	prev := ""
	for i, rec := range recs {
		rec.Terminal, rec.Seq, rec.PrevHash = "T1", uint64(i+1), prev
		if rec.At.IsZero() {
			rec.At = t0.Add(time.Duration(i) * time.Minute)
		}
		e, err := wire.Seal(rec)
		if err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

// sound fills in what a hand-written charge or void leaves out so that its
// sums hold (ledger.CheckArithmetic): a total of its account and cash
// parts, and for a charge one line carrying them.
func sound(r wire.Record) wire.Record {
	r.Total = r.Account + r.Cash
	if r.Kind == wire.KindCharge {
		r.Lines = []wire.Line{{Code: "X01", Qty: 1, UnitPrice: r.Total, Amount: r.Total, Account: r.Account, Cash: r.Cash}}
	}
	return r
}

// setup enrols T1 at P1 and gives C1 an account of 10000 fen.
func setup(t testing.TB, s *Store) {
	t.Helper()
	if err := s.EnrolTerminal(ctx, store.Terminal{ID: "T1", Pharmacy: "P1", TokenHash: "h", EnrolledAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.ImportAccounts(ctx, []policy.Holder{{CardNo: "C1", Status: "active", Balance: 10000}}); err != nil {
		t.Fatal(err)
	}
}

// The entry is kept byte for byte for audit, and the columns reports
// query hold the record's figures.
func TestApplyKeepsTheEntryAndFillsTheColumns(t *testing.T) {
	s, dsn := openTest(t)
	setup(t, s)
	at := time.Date(2025, 3, 1, 9, 30, 0, 123456789, time.FixedZone("", 8*3600))
	es := seal(t, sound(wire.Record{Kind: wire.KindCharge, TxnID: "x1", CardNo: "C1", Cashier: "王", At: at,
		Account: 2500, Cash: 500, Offline: true,
		Reasons: []policy.Reason{{Code: policy.SplitDailyAmount, Severity: policy.Review}}}))
	if _, err := s.Apply(ctx, "T1", es, store.Judging{ReceivedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Hash                               string
		Body                               []byte
		Kind, TxnID, CardNo, Cashier       string
		Pharmacy, Settled                  string
		At                                 time.Time
		AtNs                               int16
		Total, Account, Cash, BalanceAfter int64
		Flags                              []string
		Flagged                            bool
	}
	rows := collect(t, dsn, pgx.RowToStructByPos[row], `SELECT hash, body, kind, txn_id, card_no, cashier, pharmacy, settled, at, at_ns,
		total, account, cash, balance_after, flags, flagged FROM records WHERE terminal = 'T1' AND seq = 1`)
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	r := rows[0]
	if r.Hash != es[0].Hash || !bytes.Equal(r.Body, es[0].Body) || wire.HashBody(r.Body) != r.Hash {
		t.Fatalf("stored entry %s %s, sent %s %s", r.Hash, r.Body, es[0].Hash, es[0].Body)
	}
	want := row{Hash: r.Hash, Body: r.Body, Kind: "charge", TxnID: "x1", CardNo: "C1", Cashier: "王", Pharmacy: "P1",
		Settled: "offline", At: at.Truncate(time.Microsecond), AtNs: 789, Total: 3000, Account: 2500, Cash: 500,
		BalanceAfter: 7500, Flags: []string{}, Flagged: true}
	if !r.At.Equal(want.At) || r.AtNs != want.AtNs || r.Kind != want.Kind || r.TxnID != want.TxnID ||
		r.CardNo != want.CardNo || r.Cashier != want.Cashier || r.Pharmacy != want.Pharmacy || r.Settled != want.Settled ||
		r.Total != want.Total || r.Account != want.Account || r.Cash != want.Cash || r.BalanceAfter != want.BalanceAfter ||
		!slices.Equal(r.Flags, want.Flags) || r.Flagged != want.Flagged {
		t.Fatalf("columns %+v\nwant    %+v", r, want)
	}
	if bal := query[int64](t, dsn, "SELECT balance FROM accounts WHERE card_no = 'C1'"); bal[0] != 7500 {
		t.Fatalf("balance column %d", bal[0])
	}
}

// Text PostgreSQL cannot hold: a terminal's free text is stored clean in
// the columns while supervisors still see it as sent; what cannot be
// stored at all is refused.
func TestApplyTextPostgreSQLCannotHold(t *testing.T) {
	s, dsn := openTest(t)
	setup(t, s)
	es := seal(t,
		wire.Record{Kind: wire.KindCharge, TxnID: "a\x00b", CardNo: "C1", Cashier: "c\x00", Account: 100},
		wire.Record{Kind: wire.KindVoid, TxnID: "v", CardNo: "C1", Reverses: "a\x00b", Account: 100})
	res, err := s.Apply(ctx, "T1", es, store.Judging{ReceivedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if res.Results[0].TxnID != "a\x00b" {
		t.Fatalf("settlement txn id %q", res.Results[0].TxnID)
	}
	if got := query[string](t, dsn, "SELECT txn_id || '|' || cashier FROM records WHERE seq = 1"); got[0] != "a\uFFFDb|c\uFFFD" {
		t.Fatalf("columns %q", got)
	}
	ts, err := s.Transactions(ctx, store.Filter{Kind: wire.KindCharge})
	if err != nil || len(ts) != 1 || ts[0].TxnID != "a\x00b" || ts[0].Cashier != "c\x00" {
		t.Fatalf("transactions %+v %v", ts, err)
	}
	if h, err := s.CardHistory(ctx, "C1", time.Time{}); err != nil || len(h) != 0 {
		t.Fatalf("the void reverses the charge: history %+v %v", h, err)
	}
	// The retry of the batch is a duplicate with the exact txn id.
	again, err := s.Apply(ctx, "T1", es, store.Judging{ReceivedAt: t0})
	if err != nil || len(again.Results) != 2 || again.Results[0].TxnID != "a\x00b" {
		t.Fatalf("retry: %+v %v", again, err)
	}

	bad := []wire.Entry{{Seq: 3, Hash: "h\x00", Body: es[0].Body}, {Seq: math.MaxInt64 + 1, Hash: "h", Body: es[0].Body}}
	for _, e := range bad {
		if _, err := s.Apply(ctx, "T1", []wire.Entry{e}, store.Judging{ReceivedAt: t0}); !errors.Is(err, ledger.ErrRefused) {
			t.Fatalf("entry %d %q: got %v, want ErrRefused", e.Seq, e.Hash, err)
		}
	}
	if err := s.ReportVersions(ctx, "T1", 1, 1, "bundle 2 refused: \x00\xff", t0); err != nil {
		t.Fatal(err)
	}
	if term, _ := s.Terminal(ctx, "T1"); term.RulesError != "bundle 2 refused: \uFFFD\uFFFD" {
		t.Fatalf("rules error %q", term.RulesError)
	}
	err = s.ImportAccounts(ctx, []policy.Holder{{CardNo: "C2", Name: "\xff"}})
	if err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("an account name that is not UTF-8: %v", err)
	}
}

func TestApplyLogsFindingsAfterCommit(t *testing.T) {
	var logs bytes.Buffer
	s, err := Open(ctx, pgtest.Start(t), Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	setup(t, s)
	es := seal(t,
		sound(wire.Record{Kind: wire.KindCharge, TxnID: "a", CardNo: "C1", Account: 20000}),
		sound(wire.Record{Kind: wire.KindVoid, TxnID: "v1", CardNo: "C1", Reverses: "a", Account: 20000}),
		sound(wire.Record{Kind: wire.KindVoid, TxnID: "v2", CardNo: "C1", Reverses: "a", Account: 20000}))
	if _, err := s.Apply(ctx, "T1", es, store.Judging{ReceivedAt: t0}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"entry applied with flags", "OVERDRAFT", "void refunds nothing", wire.FlagVoidRepeated} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	logs.Reset()
	other, err := wire.Seal(wire.Record{Terminal: "T2", Seq: 4, PrevHash: es[2].Hash, Kind: wire.KindCharge, TxnID: "b", CardNo: "C1", Account: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, "T1", []wire.Entry{other}, store.Judging{ReceivedAt: t0}); !errors.Is(err, ledger.ErrRefused) || logs.Len() != 0 {
		t.Fatalf("refused batch: err %v, logs %q; want an error and nothing logged", err, logs.String())
	}
}
