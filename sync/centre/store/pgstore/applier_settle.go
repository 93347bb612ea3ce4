package pgstore

import (
	"fmt"
	"slices"

	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// settle replays the decisions in entry order: each new record settles its
// money, each repeat answers with its record's settlement as it stands at
// that point, each contradiction flags the stored record.
func (a *applier) settle() error {
	for _, s := range a.steps {
		var err error
		switch s.verdict {
		case ledger.Apply:
			err = a.record(s.row, s.flags)
		case ledger.Duplicate:
			err = a.duplicate(s.row)
		case ledger.Conflict:
			a.conflict(s.row, s.flags)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// record settles a new record's money and notes its flags.
func (a *applier) record(r *row, chainFlags []string) error {
	rec := r.rec
	var eff ledger.Effect
	if ledger.Moves(rec.Kind) {
		h, err := a.holder(rec.CardNo)
		if err != nil {
			return err
		}
		if rec.Kind == wire.KindVoid {
			if r.refused, err = a.checkVoid(rec); err != nil {
				return err
			}
		}
		if r.refused != "" {
			eff = ledger.NoRefund(h, r.refused)
		} else if eff, err = ledger.Settle(rec, h); err != nil {
			return fmt.Errorf("entry %d: %w", r.seq, err)
		}
		if eff.Delta != 0 {
			a.dirty[rec.CardNo] = true
		}
	}
	r.balanceAfter = eff.BalanceAfter
	r.flags = append(slices.Clip(chainFlags), eff.Flags...)
	if r.flags == nil {
		r.flags = []string{}
	}
	if err := a.noteMoney(r); err != nil {
		return err
	}
	if ledger.Moves(rec.Kind) {
		a.results = append(a.results, settlement(r.seq, rec.TxnID, r.balanceAfter, r.flags))
	}
	if len(r.flags) > 0 {
		a.findings = append(a.findings, finding{msg: "entry applied with flags", seq: r.seq, txnID: rec.TxnID, flags: r.flags})
	}
	return nil
}

// duplicate answers a repeated charge or void with its settlement.
func (a *applier) duplicate(r *row) error {
	if !ledger.Moves(r.kind) {
		return nil
	}
	id, err := r.txnID()
	if err != nil {
		return err
	}
	a.results = append(a.results, settlement(r.seq, id, r.balanceAfter, r.flags))
	return nil
}

// conflict keeps the record of a seq the terminal resent with other
// content, adding the decision's flags to it.
func (a *applier) conflict(r *row, flags []string) {
	id, _ := r.txnID() // for the log only
	a.findings = append(a.findings, finding{
		msg: "terminal resent a stored seq with other content; kept the stored record",
		seq: r.seq, txnID: id, flags: flags,
	})
	n := len(r.flags)
	for _, f := range flags {
		if !slices.Contains(r.flags, f) {
			r.flags = append(r.flags, f)
		}
	}
	if len(r.flags) != n && r.stored {
		r.reflagged = true
	}
}

// checkVoid returns "" when a void may refund its charge, else its flag.
func (a *applier) checkVoid(rec wire.Record) (string, error) {
	key := cleanText(rec.Reverses)
	voided, err := a.isVoided(key)
	if err != nil {
		return "", err
	}
	ref, found := a.charges[key]
	return ledger.CheckVoid(rec, ledger.VoidTarget{Found: found, CardNo: ref.cardNo, Account: ref.account, Voided: voided}), nil
}

// noteMoney remembers a charge for the voids after it in this batch, and
// a void that refunded its charge.
func (a *applier) noteMoney(r *row) error {
	rec := r.rec
	switch {
	case rec.Kind == wire.KindCharge:
		a.charges[cleanText(rec.TxnID)] = chargeRef{cardNo: rec.CardNo, account: rec.Account}
	case rec.Kind == wire.KindVoid && r.refused == "":
		a.voided[cleanText(rec.Reverses)] = true
	case rec.Kind == wire.KindVoid:
		a.findings = append(a.findings, finding{msg: "void refunds nothing", seq: rec.Seq, txnID: rec.Reverses, flags: []string{r.refused}})
	}
	return nil
}

// settlement is what the agent is told about a charge or void.
func settlement(seq uint64, txnID string, balanceAfter int64, flags []string) wire.Settlement {
	return store.Txn{Seq: seq, TxnID: txnID, BalanceAfter: balanceAfter, Flags: flags}.Settlement()
}
