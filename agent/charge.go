package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"posagent/agent/journal"
	"posagent/policy"
	"posagent/sync/wire"
)

// ChargeRequest is the body of POST /v1/charge.
type ChargeRequest struct {
	QuoteID        string        `json:"quote_id"`
	IdempotencyKey string        `json:"idempotency_key"`
	Confirm        []policy.Code `json:"confirm"`
	Note           string        `json:"note"`
}

// Charge is the answer to a charge.
type Charge struct {
	TxnID        string `json:"txn_id"`
	Seq          uint64 `json:"seq"`
	CardNo       string `json:"card_no"`
	AccountPaid  int64  `json:"account_paid"`
	CashDue      int64  `json:"cash_due"`
	BalanceAfter int64  `json:"balance_after"`
	Settled      string `json:"settled"` // "centre" or "offline"
	// Proof says how the holder's presence is proven for the account
	// payment: "card" (the IC card signed the charge), "voucher" (the
	// centre redeemed the session's e-voucher), "none" (no proof:
	// a track-2 swipe) or "" (nothing from the account, or presence not
	// judged).
	Proof   string          `json:"proof,omitempty"`
	Reasons []policy.Reason `json:"reasons"`
}

// Settlement states of a charge.
const (
	SettledCentre  = "centre"
	SettledOffline = "offline"
)

func (r ChargeRequest) validate() error {
	switch {
	case r.QuoteID == "" || len(r.QuoteID) > maxTextField:
		return badRequest("quote_id is required")
	case strings.TrimSpace(r.IdempotencyKey) == "" || len(r.IdempotencyKey) > maxTextField:
		return badRequest("idempotency_key is required (at most %d bytes)", maxTextField)
	case len(r.Note) > wire.MaxNote:
		return badRequest("note is at most %d bytes", wire.MaxNote)
	case len(r.Confirm) > 64:
		return badRequest("confirm lists at most 64 codes")
	}
	for i, c := range r.Confirm {
		if !slices.Contains(policy.AllCodes(), c) {
			return badRequest("confirm[%d] %.40q is not a reason code", i, string(c))
		}
	}
	return nil
}

// Charge charges the personal account for a quote. The charge is written to
// the journal (fsynced) before it is answered; while the centre is
// connected the answer waits, briefly, for the centre to apply it. The same
// idempotency key always returns the first answer and never charges twice.
//
// The cart is evaluated again at charge time with the state of that moment
// (another sale on the card, new rules, offline limits): if the amounts
// differ from the quote the charge is refused with QUOTE_CHANGED, so the
// cashier never charges other amounts than the ones shown.
func (a *Agent) Charge(ctx context.Context, req ChargeRequest) (out Charge, err error) {
	replayed := false
	defer func() { a.observeCharge(out, replayed, err) }()
	if err := req.validate(); err != nil {
		return Charge{}, err
	}
	a.chargeMu.Lock()
	defer a.chargeMu.Unlock()
	if a.stopped {
		return Charge{}, newError(CodeStopping, nil)
	}
	if f := a.journalFault.Load(); f != nil {
		return Charge{}, newError(CodeJournalDamaged, errors.New(*f))
	}
	if a.journalReplaced() {
		return Charge{}, newError(CodeJournalReplaced, nil)
	}

	if ans, ok, err := a.previousAnswer(req.IdempotencyKey); err != nil || ok {
		replayed = ok
		return ans, err
	}
	q := a.quotes.get(req.QuoteID)
	if q == nil {
		return Charge{}, newError(CodeQuoteNotFound, nil)
	}
	now := a.now()
	refuse := func(code string, detail map[string]any) (Charge, error) {
		e := newError(code, nil)
		e.Detail = detail
		a.journalRefusal(q, req, e)
		return Charge{}, e
	}
	if now.After(q.ExpiresAt) {
		a.quotes.remove(q.QuoteID)
		return refuse(CodeQuoteExpired, map[string]any{"expired_at": q.ExpiresAt})
	}
	s := a.currentSession()
	if s == nil || s.id != q.sessionID {
		return refuse(CodeCardGone, map[string]any{"card_no": q.CardNo})
	}
	ev, err := a.evaluate(ctx, s, q.req.Lines)
	if err != nil {
		return Charge{}, err
	}
	d := ev.decision
	if d.AccountTotal != q.AccountTotal || d.CashTotal != q.CashTotal || ev.bundle.Version != q.RulesVersion {
		a.quotes.remove(q.QuoteID)
		return refuse(CodeQuoteChanged, map[string]any{
			"quoted_account": q.AccountTotal, "account_now": d.AccountTotal,
			"quoted_rules": q.RulesVersion, "rules_now": ev.bundle.Version,
		})
	}
	if missing := unconfirmed(d.Required, req.Confirm); len(missing) > 0 {
		return refuse(CodeConfirmRequired, map[string]any{"required": missing})
	}

	rec := a.recordFor(wire.KindCharge, ev, q.req.Cashier)
	rec.TxnID = newTxnID(a.cfg.Terminal, now)
	rec.QuoteID = q.QuoteID
	rec.IdempotencyKey = req.IdempotencyKey
	rec.Confirmed = confirmedOf(d.Required, req.Confirm)
	rec.Note = req.Note
	if ev.input.Holder != nil {
		rec.Extra = map[string]int64{"balance_before": ev.input.Holder.Balance}
	}
	rec, _, err = a.j.AppendWith(rec, func(r *wire.Record) error { return a.proveCard(ctx, s, r) })
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) {
			return Charge{}, ae // the card did not sign: nothing written
		}
		if errors.Is(err, journal.ErrDuplicateKey) {
			// Lost a race with ourselves? chargeMu prevents it; answer as a retry.
			if ans, ok, perr := a.previousAnswer(req.IdempotencyKey); perr == nil && ok {
				return ans, nil
			}
		}
		return Charge{}, newError(CodeJournalFailed, fmt.Errorf("journal charge: %w", err))
	}
	a.quotes.remove(q.QuoteID)

	ans := Charge{
		TxnID: rec.TxnID, Seq: rec.Seq, CardNo: rec.CardNo,
		AccountPaid: rec.Account, CashDue: rec.Cash, Settled: SettledOffline, Reasons: d.Reasons,
	}
	if ev.input.Holder != nil {
		ans.BalanceAfter = ev.input.Holder.Balance - rec.Account
	}
	ans.Proof = a.proofOf(rec)
	a.settle(ctx, s, rec, &ans)
	if s.voucher != "" && rec.Account > 0 {
		// The centre takes the token as used by this charge: the next
		// sale needs a fresh code (voucher.go).
		a.endVoucherSession(s)
	}
	if raw, err := json.Marshal(ans); err == nil {
		if err := a.j.PutAnswer(req.IdempotencyKey, raw); err != nil {
			// The charge itself is durable; a retry rebuilds the answer from it.
			a.log.Warn("charge answer not stored", "txn_id", ans.TxnID, "err", err)
		}
	}
	a.log.Info("charge", "txn_id", ans.TxnID, "seq", ans.Seq, "card_no", ans.CardNo,
		"account", ans.AccountPaid, "cash", ans.CashDue, "settled", ans.Settled, "cashier", q.req.Cashier)
	return ans, nil
}

// settle waits, briefly, for the centre to apply the charge.
func (a *Agent) settle(ctx context.Context, s *session, rec wire.Record, ans *Charge) {
	c := a.centreClient()
	if c == nil {
		return
	}
	c.Kick()
	if !c.Status().Connected {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, a.cfg.SettleWait)
	defer cancel()
	st, err := c.WaitSettled(wctx, rec.Seq)
	if err != nil {
		return
	}
	ans.Settled = SettledCentre
	if st.TxnID == rec.TxnID {
		ans.BalanceAfter = st.BalanceAfter
		a.cards.mu.Lock()
		update := s.haveInfo && s.info.Found
		if update {
			s.info.Holder.Balance, s.asOf = st.BalanceAfter, rec.Seq
		}
		info := s.info
		a.cards.mu.Unlock()
		if update {
			a.cacheAccount(rec.CardNo, info, rec.Seq)
		}
	}
}

// previousAnswer returns the answer given for an idempotency key, rebuilt
// from the journal when the stored answer was lost.
func (a *Agent) previousAnswer(key string) (Charge, bool, error) {
	if raw, err := a.j.Answer(key); err == nil {
		var ans Charge
		if err := json.Unmarshal(raw, &ans); err == nil {
			return ans, true, nil
		}
	}
	rec, err := a.j.ByIdempotencyKey(key)
	if errors.Is(err, journal.ErrNotFound) {
		return Charge{}, false, nil
	}
	if err != nil {
		return Charge{}, false, newError(CodeInternal, fmt.Errorf("idempotency look-up: %w", err))
	}
	ans := Charge{
		TxnID: rec.TxnID, Seq: rec.Seq, CardNo: rec.CardNo, AccountPaid: rec.Account,
		CashDue: rec.Cash, Settled: SettledOffline, Reasons: rec.Reasons,
		BalanceAfter: rec.Extra["balance_before"] - rec.Account,
	}
	if a.j.Synced(rec.Seq) {
		ans.Settled = SettledCentre
	}
	return ans, true, nil
}

// journalRefusal records a refused charge attempt so supervisors see it.
func (a *Agent) journalRefusal(q *quote, req ChargeRequest, e *Error) {
	rec := wire.Record{
		Kind: wire.KindRefusal, At: a.now(), CardNo: q.CardNo, Cashier: q.req.Cashier,
		QuoteID: q.QuoteID, RulesVersion: q.RulesVersion, Offline: q.Offline,
		Total: q.Total, Account: 0, Cash: q.Total, Reasons: q.Reasons,
		Confirmed: req.Confirm, Note: req.Note, Error: e.Code,
	}
	if _, _, err := a.j.Append(rec); err != nil {
		a.log.Error("refusal not journaled", "quote_id", q.QuoteID, "err", err)
		return
	}
	a.kick()
}

// unconfirmed lists the required codes the cashier did not confirm.
func unconfirmed(required, confirmed []policy.Code) []policy.Code {
	var missing []policy.Code
	for _, c := range required {
		if !slices.Contains(confirmed, c) {
			missing = append(missing, c)
		}
	}
	return missing
}

// confirmedOf keeps the confirmations that were required, so the journal
// records what the cashier actually vouched for.
func confirmedOf(required, confirmed []policy.Code) []policy.Code {
	var out []policy.Code
	for _, c := range required {
		if slices.Contains(confirmed, c) {
			out = append(out, c)
		}
	}
	return out
}
