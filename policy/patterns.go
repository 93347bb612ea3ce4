package policy

import (
	"errors"
	"strconv"
	"time"
)

// checkPatterns adds the transaction-level pattern reasons: today's count,
// amount and structuring on this card, card hoarding at this terminal and
// sales outside business hours. "This transaction's account total" is the
// account total after line blocks.
func (e *evaluation) checkPatterns() {
	account := e.accountTotal()
	today := e.today()
	e.checkDailyCount(today)
	e.checkDailyAmount(today, account)
	e.checkStructuring(today, account)
	e.checkHoarding()
	e.checkHours()
}

// checkDailyCount trips when the card already has daily_count purchases
// today, so with 3 the 4th is refused.
func (e *evaluation) checkDailyCount(today []Purchase) {
	limit := e.rules.DailyCount
	if limit <= 0 || int64(len(today)) < limit {
		return
	}
	e.addTxn(SplitDailyCount, evInt("count", len(today)), evInt("limit", limit), evDate("day", e.in.Now),
		evBool("partial_history", e.in.History.Partial))
}

// checkDailyAmount trips when today's earlier account payments plus this
// one exceed daily_amount.
func (e *evaluation) checkDailyAmount(today []Purchase, account int64) {
	limit := e.rules.DailyAmount
	if limit <= 0 {
		return
	}
	var earlier int64
	for i := range today {
		earlier += max(today[i].Account, 0)
	}
	if earlier+account <= limit {
		return
	}
	e.addTxn(SplitDailyAmount, evInt("earlier_account", earlier), evInt("account", account),
		evInt("total", earlier+account), evInt("limit", limit), evDate("day", e.in.Now),
		evBool("partial_history", e.in.History.Partial))
}

// checkStructuring trips when, counting this transaction, structuring_count
// of today's transactions have an account total just under per_txn_cap:
// in [per_txn_cap × structuring_ratio_bp / 10000, per_txn_cap].
func (e *evaluation) checkStructuring(today []Purchase, account int64) {
	r := e.rules
	if r.PerTxnCap <= 0 || r.StructuringCount <= 0 {
		return
	}
	low, high := r.PerTxnCap*r.StructuringRatioBP/10000, r.PerTxnCap
	inBand := func(a int64) bool { return a >= low && a <= high && a > 0 }
	var n int64
	if inBand(account) {
		n++
	}
	for i := range today {
		if inBand(today[i].Account) {
			n++
		}
	}
	if n < r.StructuringCount {
		return
	}
	e.addTxn(SplitStructuring, evInt("count", n), evInt("limit", r.StructuringCount), evInt("low", low),
		evInt("high", high), evInt("account", account), evDate("day", e.in.Now),
		evBool("partial_history", e.in.History.Partial))
}

// checkHoarding trips when hoarding_cards distinct cards, this one
// included, were read at this terminal within hoarding_window_min before
// Now.
func (e *evaluation) checkHoarding() {
	r := e.rules
	if r.HoardingCards <= 0 || r.HoardingWindowMin <= 0 {
		return
	}
	from := e.in.Now.Add(-r.HoardingWindow())
	cards := make([]string, 0, 16)
	if e.in.Card.CardNo != "" {
		cards = append(cards, e.in.Card.CardNo)
	}
	for _, s := range e.in.Swipes {
		if !s.At.Before(from) && s.CardNo != "" && !contains(cards, s.CardNo) {
			cards = append(cards, s.CardNo)
		}
	}
	if int64(len(cards)) < r.HoardingCards {
		return
	}
	e.addTxn(CardHoarding, evInt("cards", len(cards)), evInt("limit", r.HoardingCards),
		evInt("window_min", r.HoardingWindowMin))
}

// checkHours trips outside business_hours, in Now's local time.
func (e *evaluation) checkHours() {
	open, close, err := parseBusinessHours(e.rules.BusinessHours)
	if err != nil || withinHours(e.in.Now, open, close) {
		return // ParseRules refuses bad hours; hand-built rules skip the check
	}
	e.addTxn(OffHours, evClock("time", e.in.Now), evStr("business_hours", e.rules.BusinessHours))
}

// parseBusinessHours reads "HH:MM-HH:MM" into minutes after midnight. The
// close may be "24:00"; open must be before 24:00.
func parseBusinessHours(s string) (open, close int, err error) {
	if len(s) != 11 || s[5] != '-' {
		return 0, 0, errors.New(`want "HH:MM-HH:MM"`)
	}
	if open, err = parseClock(s[:5], false); err != nil {
		return 0, 0, err
	}
	if close, err = parseClock(s[6:], true); err != nil {
		return 0, 0, err
	}
	return open, close, nil
}

// parseClock reads "HH:MM" into minutes after midnight.
func parseClock(s string, allow24 bool) (int, error) {
	if len(s) != 5 || s[2] != ':' || !allDigits(s[:2]) || !allDigits(s[3:]) {
		return 0, errors.New(`want "HH:MM-HH:MM"`)
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:])
	if m > 59 || h > 24 || (h == 24 && (m != 0 || !allow24)) {
		return 0, errors.New(s + " is not a time of day")
	}
	return h*60 + m, nil
}

// withinHours reports whether t's local time of day is in [open, close),
// a range that may cross midnight. Equal ends mean always open.
func withinHours(t time.Time, open, close int) bool {
	m := t.Hour()*60 + t.Minute()
	switch {
	case open == close:
		return true
	case open < close:
		return m >= open && m < close
	default:
		return m >= open || m < close
	}
}
