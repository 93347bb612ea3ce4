package policy

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
	e.addTxn(SplitDailyCount, map[string]any{
		"count": len(today), "limit": limit, "day": formatDate(e.in.Now),
		"partial_history": e.in.History.Partial,
	})
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
	e.addTxn(SplitDailyAmount, map[string]any{
		"earlier_account": earlier, "account": account, "total": earlier + account,
		"limit": limit, "day": formatDate(e.in.Now), "partial_history": e.in.History.Partial,
	})
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
	e.addTxn(SplitStructuring, map[string]any{
		"count": n, "limit": r.StructuringCount, "low": low, "high": high,
		"account": account, "day": formatDate(e.in.Now), "partial_history": e.in.History.Partial,
	})
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
	e.addTxn(CardHoarding, map[string]any{
		"cards": len(cards), "limit": r.HoardingCards, "window_min": r.HoardingWindowMin,
	})
}

// checkHours trips outside business_hours, in Now's local time.
func (e *evaluation) checkHours() {
	open, close, err := parseBusinessHours(e.rules.BusinessHours)
	if err != nil || withinHours(e.in.Now, open, close) {
		return // ParseRules refuses bad hours; hand-built rules skip the check
	}
	e.addTxn(OffHours, map[string]any{
		"time": e.in.Now.Format("15:04"), "business_hours": e.rules.BusinessHours,
	})
}
