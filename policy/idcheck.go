package policy

// checkIDCheck adds ID_CHECK_REQUIRED when something will be paid from the
// account and either the account total reaches id_check_amount or a pattern
// (SPLIT_*, CARD_HOARDING, OFF_HOURS) fired with severity review or
// confirm. It is not asked for when a blocking reason already sends the
// whole sale to cash.
func (e *evaluation) checkIDCheck() {
	account := e.accountTotal()
	if account <= 0 || e.hasTxnBlock() {
		return
	}
	var triggers []string
	note := func(rs []Reason) {
		for _, r := range rs {
			if isPattern(r.Code) && r.Severity != Block && !contains(triggers, string(r.Code)) {
				triggers = append(triggers, string(r.Code))
			}
		}
	}
	note(e.dec.Reasons)
	for i := range e.dec.Lines {
		note(e.dec.Lines[i].Reasons)
	}
	threshold := e.rules.IDCheckAmount
	overAmount := threshold > 0 && account >= threshold
	if !overAmount && len(triggers) == 0 {
		return
	}
	if triggers == nil {
		triggers = []string{}
	}
	e.addTxn(IDCheckRequired, map[string]any{
		"account": account, "threshold": threshold, "over_amount": overAmount, "triggers": triggers,
	})
}

// isPattern reports whether c is one of the pattern codes that call for an
// identity check.
func isPattern(c Code) bool {
	switch c {
	case SplitSupplyOverlap, SplitDailyCount, SplitDailyAmount, SplitStructuring, CardHoarding, OffHours:
		return true
	}
	return false
}
