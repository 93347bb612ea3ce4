package pgstore

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// applier carries one Apply transaction's state through its steps:
//
//  1. lock the terminal and read the stored records at the batch's seqs
//     (applier_load.go);
//  2. decide every entry (decide, below): ledger.Decide needs only the
//     chain and the stored hashes;
//  3. read and lock the accounts the decided charges and voids name, the
//     voids and charges stored for the txn ids they carry or reverse, and
//     the card histories the rules need (applier_load.go);
//  4. replay the decisions in entry order, re-judging each new charge and
//     void and settling money and flags exactly as the embedded store
//     does entry by entry (applier_settle.go);
//  5. write the outcome (applier_write.go).
type applier struct {
	tx       pgx.Tx
	terminal string
	pharmacy string
	chain    ledger.Chain
	received time.Time
	judging  store.Judging

	rows     map[uint64]*row           // records at the batch's seqs: stored, or new in this batch
	steps    []step                    // the decisions, in entry order
	fresh    []*row                    // new records, in entry order
	holders  map[string]*policy.Holder // accounts read (nil: the centre has none); a key is read once
	dirty    map[string]bool           // accounts whose balance changed
	voided   map[string]bool           // this terminal's txn ids (clean) known voided or not
	charges  map[string]chargeRef      // this terminal's first charges of the new records' txn ids and of those the voids name (clean txn id)
	history  map[string][]purchase     // per card the rules judge, its charges that may count: stored, then new
	bundles  map[int64]*policy.Bundle  // published bundles by version, as judging gave them (nil: none)
	lapsed   []int64                   // stored charges whose hold a void of this batch let lapse
	counters map[counter]uint64        // card counters of the batch's verified proofs: the seq of the record of this terminal that used each, 0 for another terminal's
	used     []counter                 // counters first used by this batch's records, in entry order
	usedSeqs []int64                   // the seq of the record that used each of used
	results  []wire.Settlement
	findings []finding
}

// row is one record of the terminal: what Apply needs of a stored one, all
// of a new one.
type row struct {
	seq          uint64
	hash         string
	kind         string // clean
	balanceAfter int64
	flags        []string
	body         []byte

	stored    bool        // read from the table (else new in this batch)
	reflagged bool        // stored, and its flags changed
	refused   string      // a void that refunds nothing: its flag
	rec       wire.Record // new rows: the decoded body

	// New rows: the centre's judgement (see store.Txn).
	presence ledger.Presence // its card proof (ledger.CheckPresence), set by loadAccounts
	held     int64
	hold     string
	findings []ledger.Finding
	first    bool // the first charge of its txn_id: the one voids match
}

// txnID is the record's exact txn id, from its body (the column holds the
// clean text).
func (r *row) txnID() (string, error) {
	if !r.stored {
		return r.rec.TxnID, nil
	}
	var b struct {
		TxnID string `json:"txn_id"`
	}
	if err := json.Unmarshal(r.body, &b); err != nil {
		return "", fmt.Errorf("stored record %d: %w", r.seq, err)
	}
	return b.TxnID, nil
}

// step is one entry's decision, replayed by settle.
type step struct {
	verdict ledger.Verdict
	row     *row     // the new record, or the stored one repeated or contradicted
	flags   []string // the decision's flags
}

// decide decides one entry and records the step. A new record joins rows
// at once, so a repeat later in the batch finds it.
func (a *applier) decide(e wire.Entry) error {
	if e.Seq > math.MaxInt64 {
		return fmt.Errorf("entry %d: seq beyond a bigint: %w", e.Seq, ledger.ErrRefused)
	}
	if !storable(e.Hash) {
		return fmt.Errorf("entry %d: hash %q is not storable text: %w", e.Seq, e.Hash, ledger.ErrRefused)
	}
	var (
		stored *row
		held   ledger.Held
	)
	if e.Seq != 0 && e.Seq <= a.chain.AckedSeq {
		if stored = a.rows[e.Seq]; stored != nil {
			held = ledger.Held{Found: true, Hash: stored.hash}
		}
	}
	d, err := ledger.Decide(a.chain, a.terminal, e, held)
	if err != nil {
		return err
	}
	if d.Verdict != ledger.Apply {
		a.steps = append(a.steps, step{verdict: d.Verdict, row: stored, flags: d.Flags})
		return nil
	}
	r := &row{seq: e.Seq, hash: e.Hash, kind: cleanText(d.Record.Kind), body: e.Body, rec: d.Record}
	a.rows[e.Seq] = r
	a.fresh = append(a.fresh, r)
	a.steps = append(a.steps, step{verdict: ledger.Apply, row: r, flags: d.Flags})
	a.chain = d.Chain
	return nil
}

// chargeRef is what a void is checked against: the first charge of a
// txn_id.
type chargeRef struct {
	cardNo  string
	account int64
	held    int64 // the part not taken from the account (0 once accepted)
	at      time.Time
	seq     uint64
}

// counter is one card transaction counter (the card number clean).
type counter struct {
	card string
	n    uint64
}

// purchase is a charge of a card's history, with what decides whether it
// counts when a later charge is judged.
type purchase struct {
	p        policy.Purchase
	terminal string
	seq      uint64
	txnID    string // clean
	held     bool   // its hold awaits a ruling or was refused: it does not count
}
