package policy

import "time"

// Evaluate decides one purchase: for every line what is paid from the
// personal account and what in cash, and why. It does no I/O and reads no
// clock; the same bundle and input always give the same decision. A nil
// bundle behaves as an empty catalogue with DefaultRules. The steps, and the
// order money moves in, are described in docs/RULES.md.
func Evaluate(b *Bundle, in Input) Decision {
	e := newEvaluation(b, in)
	e.checkCard()
	for i := range in.Lines {
		e.checkLine(i)
	}
	e.checkSupply()
	e.blockLines()
	e.checkPatterns()
	e.checkStale()
	e.checkIDCheck()
	e.blockTransaction()
	e.limitOffline()
	e.limitBalance()
	return e.finish()
}

// evaluation is the state of one Evaluate call.
type evaluation struct {
	b     *Bundle
	rules Rules
	cat   *Catalogue
	in    Input
	items []*Item // per line; nil when not in the catalogue
	dec   Decision
	hist  []Purchase // in.History.Purchases, sorted by At
}

func newEvaluation(b *Bundle, in Input) *evaluation {
	e := &evaluation{b: b, in: in, hist: sortedHistory(in.History.Purchases)}
	if b != nil {
		e.rules, e.cat = b.Rules, b.Catalogue
	} else {
		e.b, e.rules = &Bundle{}, DefaultRules()
	}
	e.items = make([]*Item, len(in.Lines))
	e.dec.Lines = make([]LineDecision, len(in.Lines))
	e.dec.Reasons = []Reason{}
	e.dec.Required = []Code{}
	return e
}

// reason builds a reason for c with its severity and messages.
func (e *evaluation) reason(c Code, evidence map[string]any) Reason {
	en, zh := Message(c)
	return Reason{Code: c, Severity: e.rules.Severity(c), Message: en, MessageZh: zh, Evidence: evidence}
}

// addTxn adds a transaction-level reason.
func (e *evaluation) addTxn(c Code, evidence map[string]any) {
	e.dec.Reasons = append(e.dec.Reasons, e.reason(c, evidence))
}

// addLine adds a reason to line i.
func (e *evaluation) addLine(i int, c Code, evidence map[string]any) {
	l := &e.dec.Lines[i]
	l.Reasons = append(l.Reasons, e.reason(c, evidence))
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

// formatDate writes yyyymmdd as YYYY-MM-DD.
func formatDate(t time.Time) string { return t.Format(time.DateOnly) }
