package policy

import "time"

// Evaluate decides one purchase: for every line what is paid from the
// personal account and what in cash, and why. It does no I/O and reads no
// clock; the same bundle and input always give the same decision. A nil
// bundle behaves as an empty catalogue with DefaultRules. The steps, and the
// order money moves in, are described in docs/RULES.md.
func Evaluate(b *Bundle, in Input) Decision {
	var e evaluation
	e.init(b, in)
	e.checkCard()
	if e.cashOnly {
		for i := range in.Lines {
			e.priceLine(i)
		}
		return e.finish()
	}
	// The line's items, nil when not in the catalogue. Kept out of e (whose
	// contents end up in the decision) so that small carts keep them on
	// the stack.
	var buf [16]*Item
	items := buf[:0]
	if len(in.Lines) > len(buf) {
		items = make([]*Item, 0, len(in.Lines))
	}
	for i := range in.Lines {
		items = append(items, e.checkLine(i))
	}
	e.checkHistory(items)
	e.blockLines()
	e.limitProof()
	e.checkPatterns()
	e.checkStale()
	e.checkIDCheck()
	e.blockTransaction()
	e.limitOffline()
	e.limitBalance()
	e.checkApproval()
	return e.finish()
}

// evaluation is the state of one Evaluate call.
type evaluation struct {
	b     *Bundle
	rules Rules
	cat   *Catalogue
	in    Input
	dec   Decision
	hist  []Purchase // in.History.Purchases, sorted by At

	// cashOnly is set when the account cannot pay at all (no personal
	// account): lines are priced and nothing else is judged.
	cashOnly bool
	// person is the holder's sex and birth date as far as known.
	person person

	// Reasons and their evidence are carved from these, so that an
	// evaluation allocates a few arrays instead of one slice per line
	// and one map per reason.
	reasons []Reason
	open    int // the line whose reasons end reasons (-1: none)
	facts   []fact
}

func (e *evaluation) init(b *Bundle, in Input) {
	e.b, e.in, e.open = b, in, -1
	e.hist = sortedHistory(in.History.Purchases)
	if b != nil {
		e.rules, e.cat = b.Rules, b.Catalogue
	} else {
		e.b, e.rules = &Bundle{}, DefaultRules()
	}
	e.dec.Lines = make([]LineDecision, len(in.Lines))
	e.dec.Reasons = []Reason{}
	e.dec.Required = []Code{}
	e.person = resolvePerson(in.Card, in.Holder)
}

// Chunk sizes of the reason and evidence arrays: the first chunk holds
// both in one allocation and is small (most sales have a reason or two;
// 2 reasons and 12 facts with the allocator's header fit its 896-byte
// size class);
// later ones are fixed, so a cart with many reasons allocates a few chunks
// and never copies or over-allocates much.
const (
	firstReasons, reasonChunk = 2, 8
	firstFacts, factChunk     = 12, 32
)

// firstChunk is the first reasons and facts of an evaluation.
type firstChunk struct {
	reasons [firstReasons]Reason
	facts   [firstFacts]fact
}

// reason builds a reason for c with its severity, messages and evidence.
func (e *evaluation) reason(c Code, fs []fact) Reason {
	if len(e.facts)+len(fs) > cap(e.facts) {
		if cap(e.facts) == 0 && len(fs) <= firstFacts {
			fc := new(firstChunk)
			e.facts, e.reasons = fc.facts[:0], fc.reasons[:0]
		} else {
			e.facts = make([]fact, 0, max(factChunk, len(fs))) // earlier reasons keep theirs
		}
	}
	start := len(e.facts)
	e.facts = append(e.facts, fs...)
	en, zh := Message(c)
	return Reason{Code: c, Severity: e.rules.Severity(c), Message: en, MessageZh: zh,
		facts: e.facts[start:len(e.facts):len(e.facts)]}
}

// addTxn adds a transaction-level reason.
func (e *evaluation) addTxn(c Code, fs ...fact) {
	e.dec.Reasons = append(e.dec.Reasons, e.reason(c, fs))
}

// addLine adds a reason to line i. Lines are checked in order, so a line's
// reasons usually end the shared array and grow in place; a reason added
// to an earlier line later (history checks) copies that line's reasons.
func (e *evaluation) addLine(i int, c Code, fs ...fact) {
	r := e.reason(c, fs)
	l := &e.dec.Lines[i]
	n := len(l.Reasons)
	if n > 0 && e.open != i {
		l.Reasons = append(l.Reasons, r) // capped: a private copy
		return
	}
	if len(e.reasons) == cap(e.reasons) {
		chunk := make([]Reason, 0, max(reasonChunk, n+1))
		e.reasons = append(chunk, l.Reasons...) // the open line moves along
	}
	e.open = i
	start := len(e.reasons) - n
	e.reasons = append(e.reasons, r)
	l.Reasons = e.reasons[start:len(e.reasons):len(e.reasons)]
}

// accountTotal sums the lines' account parts.
func (e *evaluation) accountTotal() int64 {
	var t int64
	for i := range e.dec.Lines {
		t += e.dec.Lines[i].Account
	}
	return t
}

// hasTxnBlock reports whether a transaction-level reason blocks.
func (e *evaluation) hasTxnBlock() bool {
	return hasBlock(e.dec.Reasons)
}

// finish fills cash and totals and lists the codes to confirm.
func (e *evaluation) finish() Decision {
	d := &e.dec
	for i := range d.Lines {
		l := &d.Lines[i]
		l.Cash = l.Amount - l.Account
		d.Total += l.Amount
		d.AccountTotal += l.Account
		d.CashTotal += l.Cash
		if l.Reasons == nil {
			l.Reasons = []Reason{}
		}
	}
	e.require(d.Reasons)
	for i := range d.Lines {
		e.require(d.Lines[i].Reasons)
	}
	return *d
}

// require adds the confirm-severity codes of rs to Required, once each.
func (e *evaluation) require(rs []Reason) {
	for _, r := range rs {
		if r.Severity == Confirm && !containsCode(e.dec.Required, r.Code) {
			e.dec.Required = append(e.dec.Required, r.Code)
		}
	}
}

func containsCode(list []Code, c Code) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// localDate returns t's calendar date in its own zone as one comparable
// number, yyyymmdd.
func localDate(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}
