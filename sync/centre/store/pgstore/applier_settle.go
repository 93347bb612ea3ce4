package pgstore

import (
	"fmt"
	"slices"

	"posagent/sync/centre/ledger"
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
		repeated := false
		if rec.Kind == wire.KindVoid {
			if repeated, err = a.isVoided(cleanText(rec.Reverses)); err != nil {
				return err
			}
		}
		if repeated {
			eff = ledger.RepeatedVoid(h)
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
	if err := a.noteVoid(rec); err != nil {
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

// noteVoid remembers which charge a void reverses, and logs a second void
// of the same one.
func (a *applier) noteVoid(rec wire.Record) error {
	if rec.Kind != wire.KindVoid {
		return nil
	}
	key := cleanText(rec.Reverses)
	voided, err := a.isVoided(key)
	if err != nil {
		return err
	}
	if voided {
		a.findings = append(a.findings, finding{msg: "second void of one transaction", seq: rec.Seq, txnID: rec.Reverses})
		return nil
	}
	a.voided[key] = true
	return nil
}
