// Package ledger owns the centre's decisions about synced journal entries,
// independent of any storage: whether an entry is a duplicate, which chain
// flags it earns, whether it must be refused, and what it does to a personal
// account. A store (bbolt today, PostgreSQL later) loads the state, asks this
// package, and writes the answer in one transaction.
//
// It does no I/O and keeps no state; every input is an argument.
package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"posagent/sync/wire"
)

// ErrRefused marks an entry the centre will not record at all: its body
// names another terminal, cannot be decoded, or is malformed. A store
// refuses the whole batch that holds it, so the terminal's chain state
// does not move.
var ErrRefused = errors.New("entry refused")

// MaxCardNo bounds the length of a record's card number; real card numbers
// are at most 19 digits.
const MaxCardNo = 64

// Chain is a terminal's chain state at the centre.
type Chain struct {
	AckedSeq uint64 // highest seq applied (contiguously, or past a flagged gap)
	LastHash string // the hash the entry at AckedSeq claimed
}

// Verdict says what to do with one entry.
type Verdict int

const (
	// Apply: record the entry (with its flags) and settle its money.
	Apply Verdict = iota
	// Duplicate: the store already holds this entry; skip it.
	Duplicate
	// Conflict: the store holds another entry at this (terminal, seq): the
	// terminal rewrote what the centre holds. Skip it, keep the stored
	// record and flag that one CHAIN_BROKEN.
	Conflict
)

func (v Verdict) String() string {
	switch v {
	case Apply:
		return "apply"
	case Duplicate:
		return "duplicate"
	case Conflict:
		return "conflict"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Held is what the store already holds at an entry's (terminal, seq).
type Held struct {
	Found bool
	Hash  string // the hash the stored entry claimed
}

// Decision is what to do with one entry.
type Decision struct {
	Verdict Verdict
	Record  wire.Record // the decoded body; zero for a duplicate
	Flags   []string    // chain flags: CHAIN_GAP, CHAIN_BROKEN (for a Conflict: the stored record's new flag)
	Chain   Chain       // the terminal's chain state after this entry
}

// Decide decides one entry of the authenticated terminal, given its chain
// state and what the store holds at e.Seq (consulted only for
// e.Seq ≤ c.AckedSeq; past it the store holds nothing):
//
//   - e.Seq ≤ AckedSeq, held with the same hash: Duplicate.
//   - e.Seq ≤ AckedSeq, held with another hash: Conflict (after the same
//     checks as a new entry, so another terminal's body is still refused).
//   - e.Seq ≤ AckedSeq, not held: a late entry (it fills a gap flagged
//     earlier, or arrived out of order). It is applied once, flagged
//     CHAIN_BROKEN.
//   - e.Seq == AckedSeq+1: applied; CHAIN_BROKEN when its body does not hash
//     to e.Hash or its prev_hash is not LastHash.
//   - e.Seq > AckedSeq+1: applied and flagged CHAIN_GAP (plus CHAIN_BROKEN
//     for a hash mismatch); prev_hash cannot be checked across a gap.
//
// Only an applied entry past AckedSeq moves the chain, to (e.Seq, e.Hash):
// the centre chains from the hash an entry claims, even when its body does
// not match it, so one record edited in place flags itself and not every
// record after it.
//
// The error, wrapping ErrRefused, means the entry must not be recorded.
func Decide(c Chain, terminal string, e wire.Entry, held Held) (Decision, error) {
	if e.Seq == 0 {
		return Decision{}, fmt.Errorf("entry seq 0: %w", ErrRefused)
	}
	late := e.Seq <= c.AckedSeq
	if late && held.Found && held.Hash == e.Hash {
		return Decision{Verdict: Duplicate, Chain: c}, nil
	}
	rec, broken, err := open(terminal, e)
	if err != nil {
		return Decision{}, err
	}
	if late && held.Found {
		return Decision{Verdict: Conflict, Record: rec, Flags: []string{wire.FlagChainBroken}, Chain: c}, nil
	}
	d := Decision{Verdict: Apply, Record: rec, Chain: Chain{AckedSeq: e.Seq, LastHash: e.Hash}}
	switch {
	case late:
		d.Chain = c
		broken = true
	case e.Seq > c.AckedSeq+1:
		d.Flags = append(d.Flags, wire.FlagChainGap)
	case rec.PrevHash != c.LastHash:
		broken = true
	}
	if broken {
		d.Flags = append(d.Flags, wire.FlagChainBroken)
	}
	return d, nil
}

// open decodes and checks an entry. broken is true when the body does not
// hash to the entry's hash; a body that cannot be decoded, disagrees with
// the entry's seq, names another terminal or is malformed is refused.
func open(terminal string, e wire.Entry) (rec wire.Record, broken bool, err error) {
	if len(e.Body) > wire.MaxRecordBody {
		return rec, false, fmt.Errorf("entry %d: body of %d bytes, more than %d: %w", e.Seq, len(e.Body), wire.MaxRecordBody, ErrRefused)
	}
	rec, err = wire.Open(e)
	if errors.Is(err, wire.ErrHashMismatch) {
		// wire.Open hides decode errors behind a mismatch; decode again.
		broken = true
		rec = wire.Record{}
		if derr := json.Unmarshal(e.Body, &rec); derr != nil {
			return rec, false, fmt.Errorf("entry %d: decode body: %v: %w", e.Seq, derr, ErrRefused)
		}
		if rec.Seq != e.Seq {
			return rec, false, fmt.Errorf("entry %d: body says seq %d: %w", e.Seq, rec.Seq, ErrRefused)
		}
	} else if err != nil {
		return rec, false, fmt.Errorf("%v: %w", err, ErrRefused)
	}
	if rec.Terminal != terminal {
		return rec, false, fmt.Errorf("entry %d: body names terminal %q, not %q: %w",
			e.Seq, rec.Terminal, terminal, ErrRefused)
	}
	if err := validate(rec); err != nil {
		return rec, false, fmt.Errorf("entry %d: %v: %w", e.Seq, err, ErrRefused)
	}
	return rec, broken, nil
}

// validate rejects records the ledger cannot settle or index.
func validate(rec wire.Record) error {
	if rec.Account < 0 {
		return fmt.Errorf("negative account amount %d", rec.Account)
	}
	if len(rec.CardNo) > MaxCardNo || strings.ContainsRune(rec.CardNo, 0) {
		return fmt.Errorf("malformed card number %q", rec.CardNo)
	}
	if len(rec.Note) > wire.MaxNote {
		return fmt.Errorf("note of %d bytes, more than %d", len(rec.Note), wire.MaxNote)
	}
	if Moves(rec.Kind) && rec.TxnID == "" {
		return fmt.Errorf("%s without a txn_id", rec.Kind)
	}
	if rec.Kind == wire.KindVoid && rec.Reverses == "" {
		return fmt.Errorf("void without reverses")
	}
	return nil
}
