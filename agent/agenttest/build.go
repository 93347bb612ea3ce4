package agenttest

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"posagent/agent/journal"
	"posagent/sync/wire"
)

// Cards are the card numbers Builder.Charges spreads charges over.
var Cards = []string{"1000000001", "1000000002", "1000000003", "1000000004", "1000000005"}

// CST is the pharmacies' zone (China has no daylight saving time).
var CST = time.FixedZone("CST", 8*3600)

// SalesDay is the day the builder's records fall on by default: from 09:00
// one record a second, so even a backlog of 30,000 ends the same day, the
// day before centretest.Epoch, so a test centre takes them as neither
// dated ahead nor older than the staleness window.
var SalesDay = time.Date(2026, 3, 31, 9, 0, 0, 0, CST)

// Ledger is account fen per card number.
type Ledger map[string]int64

// Add adds m's amounts to l.
func (l Ledger) Add(m Ledger) {
	for card, fen := range m {
		l[card] += fen
	}
}

// Total is the sum over all cards.
func (l Ledger) Total() int64 {
	var sum int64
	for _, k := range slices.Sorted(maps.Keys(l)) {
		sum += l[k]
	}
	return sum
}

// Builder appends records to a journal as a terminal's sales make them:
// each one valid and chained to the last, numbered after what the journal
// holds. A record with seq n is at Start + n×Step unless its time is given.
type Builder struct {
	t testing.TB
	j *journal.Journal
	// Start and Step time the records (defaults SalesDay, one second).
	Start time.Time
	Step  time.Duration
	// Cashier is the cashier of every record (default C07).
	Cashier string
}

// Build returns a builder of j's records.
func Build(t testing.TB, j *journal.Journal) *Builder {
	return &Builder{t: t, j: j, Start: SalesDay, Step: time.Second, Cashier: "C07"}
}

// Backlog opens a new journal (see Journal) holding n charges none of
// which the centre has acknowledged, and returns what they take per card.
func Backlog(t testing.TB, n int) (*journal.Journal, Ledger) {
	t.Helper()
	j := Journal(t)
	return j, Build(t, j).Charges(n)
}

// charge is the record of a charge of account fen on card, plus 50 fen in
// cash, as the sale numbered seq.
func (b *Builder) charge(seq uint64, at time.Time, card string, account int64) wire.Record {
	return wire.Record{
		Kind: wire.KindCharge, TxnID: fmt.Sprintf("txn-%d", seq), At: at,
		CardNo: card, Cashier: b.Cashier, RulesVersion: 1, Total: account + 50, Account: account, Cash: 50,
		IdempotencyKey: fmt.Sprintf("k-%d", seq),
		Lines:          []wire.Line{{Code: "X01", Qty: 1, UnitPrice: account + 50, Amount: account + 50, Account: account, Cash: 50}},
	}
}

// Charge appends one charge of account fen (and 50 fen cash) on card and
// returns it as journaled.
func (b *Builder) Charge(card string, account int64) wire.Record {
	b.t.Helper()
	seq := b.j.LastSeq() + 1
	return b.ChargeAt(b.Start.Add(time.Duration(seq)*b.Step), card, account)
}

// ChargeAt is Charge at a given time.
func (b *Builder) ChargeAt(at time.Time, card string, account int64) wire.Record {
	b.t.Helper()
	rec, _, err := b.j.Append(b.charge(b.j.LastSeq()+1, at, card, account))
	if err != nil {
		b.t.Fatalf("append charge: %v", err)
	}
	return rec
}

// Charges appends n charges in one transaction, the card of seq s being
// Cards[s%5] and its account 100 + s%97 fen, and returns what they take
// per card.
func (b *Builder) Charges(n int) Ledger {
	b.t.Helper()
	charged := Ledger{}
	recs := make([]wire.Record, 0, n)
	for i := range uint64(n) {
		seq := b.j.LastSeq() + 1 + i
		card, account := Cards[seq%uint64(len(Cards))], int64(100+seq%97)
		recs = append(recs, b.charge(seq, b.Start.Add(time.Duration(seq)*b.Step), card, account))
		charged[card] += account
	}
	if _, err := b.j.AppendBatch(recs); err != nil {
		b.t.Fatalf("append %d charges: %v", n, err)
	}
	return charged
}

// Void appends the void of charge c, at Start + seq×Step, and returns it.
func (b *Builder) Void(c wire.Record) wire.Record {
	b.t.Helper()
	seq := b.j.LastSeq() + 1
	rec, _, err := b.j.Append(wire.Record{
		Kind: wire.KindVoid, TxnID: fmt.Sprintf("txn-%d", seq), At: b.Start.Add(time.Duration(seq) * b.Step),
		CardNo: c.CardNo, Cashier: b.Cashier, Reverses: c.TxnID, Total: c.Total, Account: c.Account, Cash: c.Cash,
		Note: "customer returned",
	})
	if err != nil {
		b.t.Fatalf("append void of %s: %v", c.TxnID, err)
	}
	return rec
}

// Quote appends the record of a quote on card (it moves no money).
func (b *Builder) Quote(card string) wire.Record {
	b.t.Helper()
	seq := b.j.LastSeq() + 1
	rec, _, err := b.j.Append(wire.Record{Kind: wire.KindQuote, QuoteID: fmt.Sprintf("q-%d", seq),
		At: b.Start.Add(time.Duration(seq) * b.Step), CardNo: card, Cashier: b.Cashier, Total: 10})
	if err != nil {
		b.t.Fatalf("append quote: %v", err)
	}
	return rec
}
