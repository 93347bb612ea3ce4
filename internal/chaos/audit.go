package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"

	"posagent/agent/journal"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// Expect is what the cashiers were told during a run.
type Expect struct {
	Terminal string
	Sales    []Sale
	Voids    []VoidResult
	Initial  map[string]int64 // starting balance by card
}

// AuditReport counts what the audit looked at.
type AuditReport struct {
	JournalRecords, JournalCharges, JournalVoids int
	CentreRecords, CentreCharges, CentreVoids    int
	Cards                                        int // balances checked
}

// maxProblems bounds the problems an audit lists; the rest are counted.
const maxProblems = 40

// Audit checks, after the agent and the centre have both stopped, that
// nothing was lost and nothing doubled:
//   - the journal verifies (pages, hash chain, running sums);
//   - every answered charge is in the journal under its idempotency key with
//     the txn_id, seq, card and amount the POS was told, and the journal
//     holds no charge the POS was not answered for; the same for voids;
//   - the centre holds every journal entry exactly once (seq 1 to the last,
//     same txn_id, kind and amount), no other, and flags, finds against
//     or holds none of them;
//   - every card's balance is its starting balance less the charges and
//     plus the voids the POS was answered for.
//
// It returns every problem found, joined.
func Audit(ctx context.Context, journalPath, storePath string, exp Expect) (AuditReport, error) {
	var rep AuditReport
	jv, err := readJournal(journalPath, exp.Terminal)
	if err != nil {
		return rep, err
	}
	cv, err := readCentre(ctx, storePath, exp)
	if err != nil {
		return rep, err
	}
	p := &problems{}
	checkJournal(p, jv, exp)
	checkCentre(p, jv, cv)
	checkLedger(p, cv, exp)
	rep = AuditReport{
		JournalRecords: len(jv.records), JournalCharges: len(jv.chargeByKey), JournalVoids: len(jv.voidOf),
		CentreRecords: len(cv.txns), Cards: len(cv.balances),
	}
	for _, t := range cv.txns {
		switch t.Kind {
		case wire.KindCharge:
			rep.CentreCharges++
		case wire.KindVoid:
			rep.CentreVoids++
		}
	}
	return rep, p.err()
}

// problems collects what an audit finds.
type problems struct {
	list    []error
	dropped int
}

func (p *problems) add(format string, args ...any) {
	if len(p.list) >= maxProblems {
		p.dropped++
		return
	}
	p.list = append(p.list, fmt.Errorf(format, args...))
}

func (p *problems) err() error {
	if p.dropped > 0 {
		p.list = append(p.list, fmt.Errorf("… and %d more problems", p.dropped))
	}
	return errors.Join(p.list...)
}

// journalView is the agent's journal, read once.
type journalView struct {
	records     []wire.Record // by seq, from 1
	lastHash    string
	chargeByKey map[string]wire.Record
	voidOf      map[string]wire.Record // charge txn_id → its void
}

// readJournal opens the journal, verifies it and reads every record.
func readJournal(path, terminal string) (journalView, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	j, err := journal.Open(path, journal.Options{Terminal: terminal, Logger: quiet})
	if err != nil {
		return journalView{}, fmt.Errorf("audit: %w", err)
	}
	defer j.Close()
	if err := j.Verify(); err != nil {
		return journalView{}, fmt.Errorf("audit: journal does not verify: %w", err)
	}
	v := journalView{lastHash: j.LastHash(), chargeByKey: map[string]wire.Record{}, voidOf: map[string]wire.Record{}}
	entries, err := j.Entries(0, int(j.LastSeq()))
	if err != nil {
		return v, fmt.Errorf("audit: %w", err)
	}
	for i, e := range entries {
		var r wire.Record
		if err := json.Unmarshal(e.Body, &r); err != nil {
			return v, fmt.Errorf("audit: journal seq %d: %w", e.Seq, err)
		}
		if e.Seq != uint64(i+1) || r.Seq != e.Seq {
			return v, fmt.Errorf("audit: journal entry %d has seq %d (record says %d)", i+1, e.Seq, r.Seq)
		}
		v.records = append(v.records, r)
		switch r.Kind {
		case wire.KindCharge:
			v.chargeByKey[r.IdempotencyKey] = r
		case wire.KindVoid:
			v.voidOf[r.Reverses] = r
		}
	}
	if uint64(len(v.records)) != j.LastSeq() {
		return v, fmt.Errorf("audit: journal last seq %d but %d entries", j.LastSeq(), len(v.records))
	}
	return v, nil
}

// centreView is the centre's store, read once.
type centreView struct {
	terminal store.Terminal
	txns     []store.Txn
	balances map[string]int64
}

// readCentre opens the centre's store (the centre must have stopped: the
// file is locked while it runs) and reads the terminal's records and every
// expected card's balance.
func readCentre(ctx context.Context, path string, exp Expect) (centreView, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.OpenBolt(path, store.BoltOptions{Logger: quiet})
	if err != nil {
		return centreView{}, fmt.Errorf("audit: %w", err)
	}
	defer st.Close()
	v := centreView{balances: map[string]int64{}}
	if v.terminal, err = st.Terminal(ctx, exp.Terminal); err != nil {
		return v, fmt.Errorf("audit: %w", err)
	}
	if v.txns, err = st.Transactions(ctx, store.Filter{Terminal: exp.Terminal, Limit: math.MaxInt32}); err != nil {
		return v, fmt.Errorf("audit: %w", err)
	}
	for card := range exp.Initial {
		h, err := st.Account(ctx, card)
		if err != nil {
			return v, fmt.Errorf("audit: %w", err)
		}
		v.balances[card] = h.Balance
	}
	return v, nil
}

// checkJournal compares the answers the POS got with the journal.
func checkJournal(p *problems, jv journalView, exp Expect) {
	answered := map[string]bool{}
	for _, s := range exp.Sales {
		if answered[s.Key] {
			p.add("key %s answered twice", s.Key)
		}
		answered[s.Key] = true
		r, ok := jv.chargeByKey[s.Key]
		switch {
		case !ok:
			p.add("answered charge %s (key %s) is not in the journal", s.TxnID, s.Key)
		case r.TxnID != s.TxnID || r.Seq != s.Seq || r.CardNo != s.CardNo || r.Account != s.Account:
			p.add("key %s: POS was told txn %s seq %d card %s account %d; journal has txn %s seq %d card %s account %d",
				s.Key, s.TxnID, s.Seq, s.CardNo, s.Account, r.TxnID, r.Seq, r.CardNo, r.Account)
		}
	}
	for key, r := range jv.chargeByKey {
		if !answered[key] {
			p.add("journal charge %s (key %s) was never answered to the POS", r.TxnID, key)
		}
	}
	voided := map[string]bool{}
	for _, v := range exp.Voids {
		voided[v.Charge] = true
		r, ok := jv.voidOf[v.Charge]
		switch {
		case !ok:
			p.add("void of %s was answered but is not in the journal", v.Charge)
		case v.VoidTxn != "" && r.TxnID != v.VoidTxn:
			p.add("void of %s: POS was told %s, journal has %s", v.Charge, v.VoidTxn, r.TxnID)
		}
	}
	for charge, r := range jv.voidOf {
		if !voided[charge] {
			p.add("journal void %s of %s was never answered to the POS", r.TxnID, charge)
		}
	}
}

// checkCentre compares the centre's records with the journal, entry by
// entry.
func checkCentre(p *problems, jv journalView, cv centreView) {
	last := uint64(len(jv.records))
	if cv.terminal.AckedSeq != last || cv.terminal.LastHash != jv.lastHash {
		p.add("centre acked seq %d hash %.12s; journal ends at seq %d hash %.12s",
			cv.terminal.AckedSeq, cv.terminal.LastHash, last, jv.lastHash)
	}
	seen := make(map[uint64]int, len(cv.txns))
	for _, t := range cv.txns {
		seen[t.Seq]++
		if len(t.Flags) > 0 || len(t.Findings) > 0 || t.Held != 0 {
			p.add("centre flags seq %d (%s %s): %v, findings %v, held %d fen", t.Seq, t.Kind, t.TxnID, t.Flags, t.Findings, t.Held)
		}
		if t.Seq < 1 || t.Seq > last {
			p.add("centre has seq %d (%s %s) the journal does not", t.Seq, t.Kind, t.TxnID)
			continue
		}
		r := jv.records[t.Seq-1]
		if t.Kind != r.Kind || t.TxnID != r.TxnID || t.Account != r.Account || t.CardNo != r.CardNo {
			p.add("seq %d: centre has %s %s card %s account %d; journal has %s %s card %s account %d",
				t.Seq, t.Kind, t.TxnID, t.CardNo, t.Account, r.Kind, r.TxnID, r.CardNo, r.Account)
		}
	}
	for seq := uint64(1); seq <= last; seq++ {
		if n := seen[seq]; n != 1 {
			r := jv.records[seq-1]
			p.add("journal seq %d (%s %s) is at the centre %d times", seq, r.Kind, r.TxnID, n)
		}
	}
}

// checkLedger checks every card's balance against the answers the POS got.
func checkLedger(p *problems, cv centreView, exp Expect) {
	want := make(map[string]int64, len(exp.Initial))
	for card, b := range exp.Initial {
		want[card] = b
	}
	cardOf := map[string]string{}
	for _, s := range exp.Sales {
		want[s.CardNo] -= s.Account
		cardOf[s.TxnID] = s.CardNo
	}
	for _, v := range exp.Voids {
		want[cardOf[v.Charge]] += v.Refunded
	}
	for card, w := range want {
		if got, ok := cv.balances[card]; !ok || got != w {
			p.add("card %s: centre balance %d, want %d (starting %d)", card, got, w, exp.Initial[card])
		}
	}
}
