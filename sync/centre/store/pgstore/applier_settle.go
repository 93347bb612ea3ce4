package pgstore

import (
	"cmp"
	"fmt"
	"slices"

	"posagent/policy"
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

// record re-judges a new record (ledger.Judge), settles its money after
// that judgement and notes its flags: the chain's, the judgement's codes,
// then the settlement's.
func (a *applier) record(r *row, chainFlags []string) error {
	rec := r.rec
	var (
		eff ledger.Effect
		j   ledger.Judgement
	)
	if ledger.Moves(rec.Kind) {
		h, err := a.holder(rec.CardNo)
		if err != nil {
			return err
		}
		used := false
		if r.presence.Verified() {
			c := counter{card: cleanText(rec.CardNo), n: r.presence.Counter}
			if used = a.counterUsed(c, r.seq); !used {
				a.counters[c] = r.seq
				a.used, a.usedSeqs = append(a.used, c), append(a.usedSeqs, int64(r.seq))
			}
		}
		if j, err = a.judge(rec, h, r.presence, used); err != nil {
			return err
		}
		var target ledger.VoidTarget
		if rec.Kind == wire.KindVoid {
			if target, err = a.voidTarget(rec); err != nil {
				return err
			}
			if r.refused = ledger.CheckVoid(rec, target, a.judging.Zone); r.refused == "" {
				j.VoidHeld = target.Held
			}
		}
		if r.refused != "" {
			eff = ledger.NoRefund(h, r.refused)
		} else if eff, err = ledger.Settle(rec, h, j); err != nil {
			return fmt.Errorf("entry %d: %w", r.seq, err)
		}
		if eff.Delta != 0 {
			a.dirty[rec.CardNo] = true
		}
		r.findings = j.Findings
		if eff.Held > 0 {
			r.held, r.hold = eff.Held, store.HoldHeld
		}
		a.noteMoney(r, eff, target)
	}
	r.balanceAfter = eff.BalanceAfter
	r.flags = append(append(slices.Clip(chainFlags), j.Codes()...), eff.Flags...)
	if r.flags == nil {
		r.flags = []string{}
	}
	if ledger.Moves(rec.Kind) {
		a.results = append(a.results, settlement(r.seq, rec.TxnID, r.balanceAfter, r.flags))
	}
	if len(r.flags) > 0 {
		a.findings = append(a.findings, finding{msg: "entry applied with flags", seq: r.seq, txnID: rec.TxnID, flags: r.flags})
	}
	return nil
}

// judge re-judges a new charge or void with what this transaction holds:
// the card's account h as the batch has left it so far, the card's
// history at every pharmacy (applier_load.go, and this batch's charges
// before it), the terminal's earlier txn_ids, and the card's proof with
// whether another record used its counter.
func (a *applier) judge(rec wire.Record, h *policy.Holder, pres ledger.Presence, counterUsed bool) (ledger.Judgement, error) {
	_, seen := a.charges[cleanText(rec.TxnID)]
	in := ledger.JudgeInput{
		Record: rec, Pharmacy: a.pharmacy, Received: a.received, Zone: a.judging.Zone,
		Holder:   h,
		SeenTxn:  rec.TxnID != "" && seen,
		Presence: pres, CounterUsed: counterUsed,
	}
	if a.judging.Bundle != nil && rec.Kind == wire.KindCharge {
		in.Policy = true
		if a.judged(rec) {
			in.Bundle = a.bundle(rec.RulesVersion)
			in.StaleAfterH = in.Bundle.Rules.StaleAfterH
			hist, err := a.cardHistory(rec)
			if err != nil {
				return ledger.Judgement{}, err
			}
			in.History = hist
		}
	}
	return ledger.Judge(in), nil
}

// cardHistory is the card's purchases with At in [HistoryFrom(rec.At),
// HistoryTo(rec.At)) as this transaction sees them, oldest first (by At, terminal
// and seq, as the embedded store's card index orders them).
func (a *applier) cardHistory(rec wire.Record) ([]policy.Purchase, error) {
	if rec.CardNo == "" || !storable(rec.CardNo) {
		return nil, nil
	}
	all, ok := a.history[rec.CardNo]
	if !ok {
		return nil, fmt.Errorf("history of %s was not read", rec.CardNo) // a bug here, not bad data
	}
	from, to := a.judging.HistoryFrom(rec.At), a.judging.HistoryTo(rec.At)
	var in []purchase
	for _, p := range all {
		if p.held || p.p.At.Before(from) || !p.p.At.Before(to) || (p.terminal == a.terminal && a.voided[p.txnID]) {
			continue
		}
		in = append(in, p)
	}
	slices.SortStableFunc(in, func(x, y purchase) int {
		return cmp.Or(x.p.At.Compare(y.p.At), cmp.Compare(x.terminal, y.terminal), cmp.Compare(x.seq, y.seq))
	})
	var out []policy.Purchase
	for _, p := range in {
		out = append(out, p.p)
	}
	return out, nil
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

// voidTarget is what the centre holds of the charge a void reverses.
func (a *applier) voidTarget(rec wire.Record) (ledger.VoidTarget, error) {
	key := cleanText(rec.Reverses)
	voided, err := a.isVoided(key)
	if err != nil {
		return ledger.VoidTarget{}, err
	}
	t := ledger.VoidTarget{Voided: voided}
	if ref, found := a.charges[key]; found {
		t.Found, t.CardNo, t.Account, t.Held, t.At = true, ref.cardNo, ref.account, ref.held, ref.at
	}
	return t, nil
}

// noteMoney remembers a charge for the voids after it in this batch (the
// first charge of a txn_id only: a repeated one cannot take its place) and
// in its card's history, and a void that refunded its charge, whose hold
// then lapses.
func (a *applier) noteMoney(r *row, eff ledger.Effect, target ledger.VoidTarget) {
	rec := r.rec
	switch {
	case rec.Kind == wire.KindCharge:
		key := cleanText(rec.TxnID)
		if _, seen := a.charges[key]; !seen {
			a.charges[key] = chargeRef{cardNo: rec.CardNo, account: rec.Account, held: eff.Held, at: rec.At, seq: r.seq}
			r.first = true
		}
		if _, judged := a.history[rec.CardNo]; judged {
			a.history[rec.CardNo] = append(a.history[rec.CardNo], purchase{
				p: rec.Purchase(a.pharmacy), terminal: a.terminal, seq: r.seq, txnID: key,
				held: r.hold == store.HoldHeld || !r.first, // a repeated txn_id never counts
			})
		}
	case rec.Kind == wire.KindVoid && r.refused == "":
		key := cleanText(rec.Reverses)
		a.voided[key] = true
		if target.Held > 0 {
			a.lapseHold(a.charges[key].seq)
		}
	case rec.Kind == wire.KindVoid:
		a.findings = append(a.findings, finding{msg: "void refunds nothing", seq: rec.Seq, txnID: rec.Reverses, flags: []string{r.refused}})
	}
}

// lapseHold marks the hold of the charge at seq, voided, HoldVoided if it
// still awaits a ruling: a charge of this batch at once, a stored one when
// the batch is written.
func (a *applier) lapseHold(seq uint64) {
	if r := a.rows[seq]; r != nil && !r.stored {
		if r.hold == store.HoldHeld {
			r.hold = store.HoldVoided
		}
		return
	}
	a.lapsed = append(a.lapsed, int64(seq))
}

// settlement is what the agent is told about a charge or void.
func settlement(seq uint64, txnID string, balanceAfter int64, flags []string) wire.Settlement {
	return store.Txn{Seq: seq, TxnID: txnID, BalanceAfter: balanceAfter, Flags: flags}.Settlement()
}
