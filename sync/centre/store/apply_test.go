package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/centre/ledger"
	"posagent/sync/wire"
)

func TestApplyChargeSettlesAndKeepsTheEntry(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.quote("C1")
	e := j.charge("C1", 2500)

	res := apply(t, s, "T1", j.entries...)
	want := []wire.Settlement{{Seq: 2, TxnID: "T1-2", BalanceAfter: 7500}}
	if res.AckedSeq != 2 || !slices.EqualFunc(res.Results, want, settlementEqual) {
		t.Fatalf("got %+v, want acked 2 and %+v", res, want)
	}
	if got := balance(t, s, "C1"); got != 7500 {
		t.Fatalf("balance %d, want 7500", got)
	}
	txn := txnOf(t, s, "T1", 2)
	if txn.Pharmacy != "P1" || txn.Settled != "centre" || txn.BalanceAfter != 7500 ||
		!txn.ReceivedAt.Equal(t0.Add(3600e9)) || len(txn.Flags) != 0 || txn.Account != 2500 {
		t.Fatalf("stored txn %+v", txn)
	}
	term, err := s.Terminal(ctx, "T1")
	if err != nil || term.AckedSeq != 2 || term.LastHash != e.Hash || !term.LastSeen.Equal(t0.Add(3600e9)) {
		t.Fatalf("terminal %+v %v; want acked 2, last hash %s, seen when received", term, err, e.Hash)
	}
	// The original bytes are kept for audit: they still hash to the hash.
	err = s.db.View(func(tx *bolt.Tx) error {
		r, err := decodeRecord(tx.Bucket(bucketRecords).Get(recordKey("T1", 2)))
		if err != nil {
			return err
		}
		if r.Entry.Hash != e.Hash || string(r.Entry.Body) != string(e.Body) {
			t.Errorf("stored entry %s %s, want %s %s", r.Entry.Hash, r.Entry.Body, e.Hash, e.Body)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestApplyOfflineChargeIsSettledOffline(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.add(wire.Record{Kind: wire.KindCharge, TxnID: "x", CardNo: "C1", Account: 100, Offline: true})
	apply(t, s, "T1", j.entries...)
	if got := txnOf(t, s, "T1", 1).Settled; got != "offline" {
		t.Fatalf("settled %q, want offline", got)
	}
}

func TestApplyGapThenLateEntry(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	for range 4 {
		j.charge("C1", 100)
	}
	apply(t, s, "T1", j.entries[0], j.entries[1])
	res := apply(t, s, "T1", j.entries[3]) // seq 3 removed
	if res.AckedSeq != 4 || !slices.Equal(res.Results[0].Flags, []string{wire.FlagChainGap}) {
		t.Fatalf("after the gap: %+v", res)
	}
	res = apply(t, s, "T1", j.entries[2]) // seq 3 turns up late
	if res.AckedSeq != 4 || len(res.Results) != 1 || !slices.Equal(res.Results[0].Flags, []string{wire.FlagChainBroken}) {
		t.Fatalf("late entry: %+v", res)
	}
	res = apply(t, s, "T1", j.entries[2]) // and again: now a duplicate
	if res.AckedSeq != 4 || len(res.Results) != 1 || res.Results[0].BalanceAfter != 9600 {
		t.Fatalf("late entry resent: %+v", res)
	}
	if got := balance(t, s, "C1"); got != 9600 {
		t.Fatalf("balance %d, want 9600 (each charge once)", got)
	}
	if f := txnOf(t, s, "T1", 3).Flags; !slices.Equal(f, []string{wire.FlagChainBroken}) {
		t.Fatalf("stored flags of seq 3: %v", f)
	}
}

func TestApplyEditedBodyIsBrokenAndChainGoesOn(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.charge("C1", 3000)
	j.charge("C1", 3000)
	j.charge("C1", 3000)
	edited := j.entries[1]
	var rec wire.Record
	if err := json.Unmarshal(edited.Body, &rec); err != nil {
		t.Fatal(err)
	}
	rec.Account = 30 // edited in place, hash left as it was
	edited.Body, _ = json.Marshal(rec)

	res := apply(t, s, "T1", j.entries[0], edited, j.entries[2])
	flags := [][]string{nil, {wire.FlagChainBroken}, nil}
	for i, r := range res.Results {
		if !slices.Equal(r.Flags, flags[i]) {
			t.Fatalf("seq %d flags %v, want %v", r.Seq, r.Flags, flags[i])
		}
	}
	if got := balance(t, s, "C1"); got != 10000-3000-30-3000 {
		t.Fatalf("balance %d: the centre settles what the body says", got)
	}
}

func TestApplyRehashedEditBreaksTheNextLink(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.charge("C1", 3000)
	j.charge("C1", 3000)
	j.charge("C1", 3000)
	var rec wire.Record
	if err := json.Unmarshal(j.entries[1].Body, &rec); err != nil {
		t.Fatal(err)
	}
	rec.Account = 30
	rehashed, err := wire.Seal(rec) // consistent hash, but seq 3 links to the original
	if err != nil {
		t.Fatal(err)
	}
	res := apply(t, s, "T1", j.entries[0], rehashed, j.entries[2])
	flags := [][]string{nil, nil, {wire.FlagChainBroken}}
	for i, r := range res.Results {
		if !slices.Equal(r.Flags, flags[i]) {
			t.Fatalf("seq %d flags %v, want %v", r.Seq, r.Flags, flags[i])
		}
	}
}

func TestApplyAccountFlags(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	lost := active("LOST", 5000)
	lost.Status = "lost"
	importAccounts(t, s, lost, active("POOR", 1000))
	j := newJournal(t, "T1")
	j.charge("LOST", 2000)
	j.charge("POOR", 1500)
	j.charge("NOBODY", 700)
	res := apply(t, s, "T1", j.entries...)
	want := []wire.Settlement{
		{Seq: 1, TxnID: "T1-1", BalanceAfter: 3000, Flags: []string{wire.FlagBlockedAtSync}},
		{Seq: 2, TxnID: "T1-2", BalanceAfter: -500, Flags: []string{wire.FlagOverdraft}},
		{Seq: 3, TxnID: "T1-3", BalanceAfter: 0, Flags: []string{wire.FlagBlockedAtSync}},
	}
	if !slices.EqualFunc(res.Results, want, settlementEqual) {
		t.Fatalf("got %+v\nwant %+v", res.Results, want)
	}
	if balance(t, s, "LOST") != 3000 || balance(t, s, "POOR") != -500 {
		t.Fatal("flagged charges must still move the balance")
	}
	if _, err := s.Account(ctx, "NOBODY"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a charge on an unknown card created an account: %v", err)
	}
}

func TestApplyRefusesAnotherTerminalsBody(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	enrol(t, s, "T2", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.charge("C1", 100)
	other := newJournal(t, "T2")
	other.seq = 1
	other.charge("C1", 5000)

	_, err := s.Apply(ctx, "T1", []wire.Entry{j.entries[0], other.entries[0]}, t0)
	if !errors.Is(err, ledger.ErrRefused) {
		t.Fatalf("got %v, want ErrRefused", err)
	}
	if got := balance(t, s, "C1"); got != 10000 {
		t.Fatalf("balance %d after a refused batch", got)
	}
	if term, _ := s.Terminal(ctx, "T1"); term.AckedSeq != 0 {
		t.Fatalf("acked %d after a refused batch", term.AckedSeq)
	}
	if ts, _ := s.Transactions(ctx, Filter{}); len(ts) != 0 {
		t.Fatalf("%d transactions stored from a refused batch", len(ts))
	}
}

func TestApplyUnknownTerminal(t *testing.T) {
	s, _ := openTest(t)
	j := newJournal(t, "T9")
	j.quote("C1")
	if _, err := s.Apply(ctx, "T9", j.entries, t0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

func TestApplyRetryReturnsStoredSettlements(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.charge("C1", 1000)
	j.quote("C1")
	j.charge("C1", 2000)
	first := apply(t, s, "T1", j.entries...)
	j.void("C1", "T1-1", 1000)
	again := apply(t, s, "T1", j.entries...) // the ack was lost; the agent resends with one more
	want := append(slices.Clone(first.Results), wire.Settlement{Seq: 4, TxnID: "T1-4", BalanceAfter: 8000})
	if again.AckedSeq != 4 || !slices.EqualFunc(again.Results, want, settlementEqual) {
		t.Fatalf("got %+v, want %+v", again.Results, want)
	}
	if got := balance(t, s, "C1"); got != 8000 {
		t.Fatalf("balance %d, want 8000", got)
	}
}

func TestApplyConflictingResendKeepsStoredAndFlagsIt(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.charge("C1", 1000)
	apply(t, s, "T1", j.entries...)

	rewritten := newJournal(t, "T1") // e.g. a wiped journal starting again at 1
	rewritten.charge("C1", 4000)
	res := apply(t, s, "T1", rewritten.entries...)
	if res.AckedSeq != 1 || len(res.Results) != 0 {
		t.Fatalf("got %+v; want acked 1 and no settlement for a conflicting seq", res)
	}
	if got := balance(t, s, "C1"); got != 9000 {
		t.Fatalf("balance %d, want 9000", got)
	}
	txn := txnOf(t, s, "T1", 1)
	if txn.Account != 1000 || !slices.Equal(txn.Flags, []string{wire.FlagChainBroken}) {
		t.Fatalf("stored txn %+v; want the original, flagged CHAIN_BROKEN", txn)
	}
}

func TestApplyCancelledContextAppliesNothing(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.charge("C1", 1000)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Apply(cctx, "T1", j.entries, t0); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if got := balance(t, s, "C1"); got != 10000 {
		t.Fatalf("balance %d", got)
	}
}

func TestReEnrolKeepsTheChain(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.charge("C1", 1000)
	apply(t, s, "T1", j.entries...)
	if err := s.EnrolTerminal(ctx, Terminal{ID: "T1", Pharmacy: "P2", TokenHash: "new"}); err != nil {
		t.Fatal(err)
	}
	term, err := s.Terminal(ctx, "T1")
	if err != nil || term.AckedSeq != 1 || term.LastHash != j.last || term.TokenHash != "new" || term.Pharmacy != "P2" {
		t.Fatalf("after re-enrol: %+v %v", term, err)
	}
	apply(t, s, "T1", j.entries...)
	if got := balance(t, s, "C1"); got != 9000 {
		t.Fatalf("balance %d: re-enrolling let a charge apply twice", got)
	}
}

func settlementEqual(a, b wire.Settlement) bool {
	return a.Seq == b.Seq && a.TxnID == b.TxnID && a.BalanceAfter == b.BalanceAfter && slices.Equal(a.Flags, b.Flags)
}

func TestApplyLogsFindingsAfterCommit(t *testing.T) {
	var logs bytes.Buffer
	path := filepath.Join(t.TempDir(), "centre.db")
	s, err := OpenBolt(path, BoltOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 100))
	j := newJournal(t, "T1")
	j.charge("C1", 1000)
	j.void("C1", "T1-1", 1000)
	j.void("C1", "T1-1", 1000)
	apply(t, s, "T1", j.entries...)
	for _, want := range []string{"entry applied with flags", "OVERDRAFT", "second void of one transaction"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	logs.Reset()
	other := newJournal(t, "T2")
	other.charge("C1", 5)
	if _, err := s.Apply(ctx, "T1", other.entries, t0); err == nil || logs.Len() != 0 {
		t.Fatalf("refused batch: err %v, logs %q; want an error and nothing logged", err, logs.String())
	}
}
