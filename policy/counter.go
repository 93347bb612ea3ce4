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
	triggers := e.patterns(func(r *Reason) bool { return r.Severity != Block })
	threshold := e.rules.IDCheckAmount
	overAmount := threshold > 0 && account >= threshold
	if !overAmount && len(triggers) == 0 {
		return
	}
	list := triggers // declared here, so only a raised reason puts it on the heap
	if list == nil {
		list = []string{}
	}
	e.addTxn(IDCheckRequired, evInt("account", account), evInt("threshold", threshold),
		evBool("over_amount", overAmount), evList("triggers", &list))
}

// checkApproval adds APPROVAL_REQUIRED when the charge needs a manager's
// approval (SPEC §12): the cashier must confirm a pattern code, or the
// account total is above manager_approval_amount. With severity block the
// whole sale goes to cash.
func (e *evaluation) checkApproval() {
	codes := e.patterns(func(r *Reason) bool { return r.Severity == Confirm })
	account := e.accountTotal()
	threshold := e.rules.ManagerApprovalAmount
	overAmount := threshold > 0 && account > threshold
	if !overAmount && len(codes) == 0 {
		return
	}
	list := codes // declared here, so only a raised reason puts it on the heap
	if list == nil {
		list = []string{}
	}
	e.addTxn(ApprovalRequired, evList("codes", &list), evInt("account", account),
		evInt("threshold", threshold), evBool("over_amount", overAmount))
	if e.rules.Severity(ApprovalRequired) == Block {
		e.toCash(account)
	}
}

// patterns lists, once each, the pattern codes among the reasons (the
// transaction's, then the lines') that keep says to.
func (e *evaluation) patterns(keep func(*Reason) bool) []string {
	var out []string
	note := func(rs []Reason) {
		for i := range rs {
			if IsPattern(rs[i].Code) && keep(&rs[i]) && !contains(out, string(rs[i].Code)) {
				out = append(out, string(rs[i].Code))
			}
		}
	}
	note(e.dec.Reasons)
	for i := range e.dec.Lines {
		note(e.dec.Lines[i].Reasons)
	}
	return out
}
