// Package wiretest is test equipment for what a terminal sends: Journal
// seals properly chained records of one terminal, as its journal would,
// and can hand back an entry edited in place or re-sealed, to test how a
// centre takes tampering. Tests of the centre's store, its conformance
// suite and the centre's test equipment build their entries with it.
//
// It is for tests only, and owns no behaviour of the wire.
package wiretest

import (
	"fmt"
	"testing"
	"time"

	"posagent/sync/wire"
)

// Journal seals records of one terminal: seq from 1, each prev_hash the
// hash of the entry before. Entries[i] has seq i+1.
type Journal struct {
	T        testing.TB
	Terminal string
	Seq      uint64    // seq of the last entry sealed
	Last     string    // hash of the last entry sealed
	At       time.Time // the default At of the last record: a minute per record after the start
	Entries  []wire.Entry
}

// NewJournal starts a terminal's journal; records without an At are
// dated a minute apart after start.
func NewJournal(t testing.TB, terminal string, start time.Time) *Journal {
	return &Journal{T: t, Terminal: terminal, At: start}
}

// Add seals the next record: its terminal, seq and prev_hash are set, and
// its At when it has none.
func (j *Journal) Add(rec wire.Record) wire.Entry {
	j.T.Helper()
	j.At = j.At.Add(time.Minute)
	rec.Terminal = j.Terminal
	if rec.At.IsZero() {
		rec.At = j.At
	}
	_, e := Next(j.T, j.Entries, rec)
	j.Seq, j.Last = e.Seq, e.Hash
	j.Entries = append(j.Entries, e)
	return e
}

// Next seals rec as the entry after entries (a terminal's, from seq 1):
// its seq is one more than theirs and its prev_hash the last one's hash.
// It returns the record so numbered and its entry.
func Next(t testing.TB, entries []wire.Entry, rec wire.Record) (wire.Record, wire.Entry) {
	t.Helper()
	rec.Seq, rec.PrevHash = uint64(len(entries)+1), ""
	if n := len(entries); n > 0 {
		rec.PrevHash = entries[n-1].Hash
	}
	e, err := wire.Seal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return rec, e
}

// NextTxnID is the id the next record's transaction gets: terminal-seq.
func (j *Journal) NextTxnID() string { return fmt.Sprintf("%s-%d", j.Terminal, j.Seq+1) }

// Charge adds a charge of account fen from card's account and 100 fen in
// cash: one line of item X01, seven days' supply.
func (j *Journal) Charge(card string, account int64) wire.Entry {
	return j.Add(wire.Record{
		Kind: wire.KindCharge, TxnID: j.NextTxnID(), CardNo: card, Cashier: "c1",
		Total: account + 100, Account: account, Cash: 100,
		Lines: []wire.Line{{Code: "X01", Qty: 1, UnitPrice: account + 100, Amount: account + 100, Account: account, Cash: 100, Days: 7000}},
	})
}

// Void adds a void of the charge txnID (made by Charge), refunding account
// fen to card; like an agent's void it repeats the charge's amounts.
func (j *Journal) Void(card, txnID string, account int64) wire.Entry {
	return j.Add(wire.Record{Kind: wire.KindVoid, TxnID: j.NextTxnID(), CardNo: card, Reverses: txnID,
		Total: account + 100, Account: account, Cash: 100})
}

// Quote adds a quote of 100 fen for card: no money moves.
func (j *Journal) Quote(card string) wire.Entry {
	return j.Add(wire.Record{Kind: wire.KindQuote, CardNo: card, Total: 100})
}

// Edited returns entry i (0-based) with its record changed by edit; when
// rehash is false the entry keeps its old hash (edited in place).
func (j *Journal) Edited(i int, rehash bool, edit func(*wire.Record)) wire.Entry {
	j.T.Helper()
	rec, err := wire.Open(j.Entries[i])
	if err != nil {
		j.T.Fatal(err)
	}
	edit(&rec)
	e, err := wire.Seal(rec)
	if err != nil {
		j.T.Fatal(err)
	}
	if !rehash {
		e.Hash = j.Entries[i].Hash
	}
	return e
}
