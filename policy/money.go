package policy

import (
	"time"
)

// allocate splits line i's amount between the account and cash before any
// blocks: the part of the price above the item's price cap goes to cash
// (PRICE_ABOVE_CAP), then a class-B item's self-pay share of the rest,
// rounded up to the fen.
func (e *evaluation) allocate(i int, it *Item) {
	ln := &e.in.Lines[i]
	d := &e.dec.Lines[i]
	var excess int64
	if it.PriceCap > 0 && ln.UnitPrice > it.PriceCap {
		excess = min(mulClamp(ln.Qty, ln.UnitPrice-it.PriceCap, maxFen), d.Amount)
		e.addLine(i, PriceAboveCap, evStr("code", it.Code), evInt("unit_price", ln.UnitPrice),
			evInt("price_cap", it.PriceCap), evInt("excess", excess))
	}
	eligible := d.Amount - excess
	var selfPay int64
	if it.Class == "B" {
		bp := min(max(it.SelfPayBP, 0), 10000)
		selfPay = (eligible*bp + 9999) / 10000
	}
	d.Account = eligible - selfPay
}

// blockLines moves to cash every line that has a blocking reason.
func (e *evaluation) blockLines() {
	for i := range e.dec.Lines {
		if hasBlock(e.dec.Lines[i].Reasons) {
			e.dec.Lines[i].Account = 0
		}
	}
}

// blockTransaction moves every line to cash when a transaction-level
// reason blocks.
func (e *evaluation) blockTransaction() {
	if !e.hasTxnBlock() {
		return
	}
	for i := range e.dec.Lines {
		e.dec.Lines[i].Account = 0
	}
}

// limitOffline keeps the account total, while offline, within what the
// card's and the terminal's offline limits have left; the excess is cash.
func (e *evaluation) limitOffline() {
	if !e.in.Offline {
		return
	}
	want := e.accountTotal()
	r := e.rules
	allowed := max(0, min(r.OfflineCardLimit-e.in.OfflineCardUsed, r.OfflineTerminalLimit-e.in.OfflineTerminalUsed))
	if want <= allowed {
		return
	}
	e.toCash(want - allowed)
	e.addTxn(OfflineLimit, evInt("wanted", want), evInt("allowed", allowed),
		evInt("card_used", e.in.OfflineCardUsed), evInt("card_limit", r.OfflineCardLimit),
		evInt("terminal_used", e.in.OfflineTerminalUsed), evInt("terminal_limit", r.OfflineTerminalLimit))
}

// limitBalance keeps the account total within the holder's balance; the
// excess is cash.
func (e *evaluation) limitBalance() {
	h := e.in.Holder
	if h == nil {
		return
	}
	want := e.accountTotal()
	if want <= max(h.Balance, 0) {
		return
	}
	e.toCash(want - max(h.Balance, 0))
	e.addTxn(BalanceInsufficient, evInt("balance", h.Balance), evInt("wanted", want))
}

// toCash moves excess fen from the account to cash, from the last line
// backward.
func (e *evaluation) toCash(excess int64) {
	for i := len(e.dec.Lines) - 1; i >= 0 && excess > 0; i-- {
		l := &e.dec.Lines[i]
		take := min(excess, l.Account)
		l.Account -= take
		excess -= take
	}
}

func hasBlock(rs []Reason) bool {
	for _, r := range rs {
		if r.Severity == Block {
			return true
		}
	}
	return false
}

// mulClamp returns a×b for positive a and b, at most limit; 0 when either
// is not positive.
func mulClamp(a, b, limit int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > limit/b {
		return limit
	}
	return min(a*b, limit)
}

// checkStale trips, offline, when the newer of the bundle's issue time and
// the last contact with the centre is more than stale_after_h ago.
func (e *evaluation) checkStale() {
	if !e.in.Offline {
		return
	}
	ref := e.b.IssuedAt
	if e.in.LastContact.After(ref) {
		ref = e.in.LastContact
	}
	age := e.in.Now.Sub(ref)
	if age <= e.rules.StaleAfter() {
		return
	}
	e.addTxn(RulesStale, evInt("age_h", int64(age/time.Hour)), evInt("stale_after_h", e.rules.StaleAfterH),
		evTime("issued_at", e.b.IssuedAt), evTime("last_contact", e.in.LastContact))
}
