package policy

// checkCard adds the transaction-level card reasons: invalid data, unknown
// account, blocked account, expired card.
func (e *evaluation) checkCard() {
	c := e.in.Card
	if c.Problem != "" {
		e.addTxn(CardInvalid, map[string]any{"card_no": c.CardNo, "problem": c.Problem})
	}
	h := e.in.Holder
	if h == nil {
		e.addTxn(CardUnknown, map[string]any{"card_no": c.CardNo})
	} else if h.Status != "active" || h.Blocked {
		e.addTxn(CardBlocked, map[string]any{"card_no": c.CardNo, "status": h.Status, "blocked": h.Blocked})
	}
	if !c.Expiry.IsZero() && localDate(e.in.Now) > localDate(c.Expiry) {
		e.addTxn(CardExpired, map[string]any{
			"card_no": c.CardNo, "expiry": formatDate(c.Expiry), "today": formatDate(e.in.Now),
		})
	}
}
