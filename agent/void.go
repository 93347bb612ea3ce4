package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"posagent/agent/journal"
	"posagent/sync/wire"
)

// VoidRequest is the body of POST /v1/void.
type VoidRequest struct {
	TxnID   string `json:"txn_id"`
	Reason  string `json:"reason"`
	Cashier string `json:"cashier"`
}

// Void is the reversal record.
type Void struct {
	TxnID           string `json:"txn_id"`
	Seq             uint64 `json:"seq"`
	Reverses        string `json:"reverses"`
	AccountRefunded int64  `json:"account_refunded"`
}

func newTxnID(terminal string, now time.Time) string {
	return newID(terminal + "-" + now.Format("20060102") + "-")
}

// Void reverses one of today's charges of this terminal. A charge can be
// voided once.
func (a *Agent) Void(ctx context.Context, req VoidRequest) (Void, error) {
	switch {
	case req.TxnID == "" || len(req.TxnID) > maxTextField:
		return Void{}, badRequest("txn_id is required")
	case strings.TrimSpace(req.Reason) == "" || len(req.Reason) > 1024:
		return Void{}, badRequest("reason is required (at most 1024 bytes)")
	case req.Cashier == "" || len(req.Cashier) > maxTextField:
		return Void{}, badRequest("cashier is required")
	}
	a.chargeMu.Lock()
	defer a.chargeMu.Unlock()
	if a.stopped {
		return Void{}, newError(CodeStopping, nil)
	}
	if f := a.journalFault.Load(); f != nil {
		return Void{}, newError(CodeJournalDamaged, errors.New(*f))
	}
	if a.journalReplaced() {
		return Void{}, newError(CodeJournalReplaced, nil)
	}

	orig, err := a.j.ByTxn(req.TxnID)
	if errors.Is(err, journal.ErrNotFound) {
		return Void{}, newError(CodeTxnNotFound, nil)
	}
	if err != nil {
		return Void{}, newError(CodeInternal, fmt.Errorf("void look-up: %w", err))
	}
	now := a.now()
	refuse := func(why, whyZh string) (Void, error) {
		e := newError(CodeVoidRefused, nil)
		e.Message += ": " + why
		e.MessageZh += "：" + whyZh
		return Void{}, e
	}
	if orig.Kind != wire.KindCharge {
		return refuse("only a charge can be voided", "只能撤销扣款交易")
	}
	y1, m1, d1 := orig.At.In(a.cfg.Location).Date()
	y2, m2, d2 := now.Date()
	if y1 != y2 || m1 != m2 || d1 != d2 {
		return refuse("only today's charges can be voided", "只能撤销当日交易")
	}
	if voided, err := a.j.Voided(orig.TxnID); err != nil {
		return Void{}, newError(CodeInternal, err)
	} else if voided {
		return refuse("already voided", "该笔交易已撤销")
	}
	rec := wire.Record{
		Kind: wire.KindVoid, TxnID: newTxnID(a.cfg.Terminal, now), At: now,
		CardNo: orig.CardNo, Cashier: req.Cashier, RulesVersion: orig.RulesVersion,
		Offline: !a.connected(), Total: orig.Total, Account: orig.Account, Cash: orig.Cash,
		Note: req.Reason, Reverses: orig.TxnID,
	}
	rec, _, err = a.j.Append(rec)
	switch {
	case errors.Is(err, journal.ErrAlreadyVoided):
		return refuse("already voided", "该笔交易已撤销")
	case err != nil:
		return Void{}, newError(CodeJournalFailed, fmt.Errorf("journal void: %w", err))
	}
	a.kick()
	a.log.Info("void", "txn_id", rec.TxnID, "reverses", orig.TxnID, "refunded", orig.Account, "cashier", req.Cashier)
	return Void{TxnID: rec.TxnID, Seq: rec.Seq, Reverses: orig.TxnID, AccountRefunded: orig.Account}, nil
}
