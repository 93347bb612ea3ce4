package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/wire"
)

// appendFill is the page fill of buckets written in key order.
const appendFill = 0.9

// applier carries one Apply transaction's state.
type applier struct {
	tx       *bolt.Tx
	term     Terminal
	chain    ledger.Chain
	received time.Time
	judging  Judging

	records, byTime, byCard, byPharm, byTerm, voided, charges, accounts, purchases, counters *bolt.Bucket

	holders  map[string]*policy.Holder // accounts read so far; nil: none
	dirty    map[string]bool           // accounts whose balance changed
	results  []wire.Settlement
	findings []finding
}

func newApplier(tx *bolt.Tx, terminal string, j Judging) (*applier, error) {
	a := &applier{
		tx: tx, received: j.ReceivedAt, judging: j,
		records: tx.Bucket(bucketRecords), byTime: tx.Bucket(bucketByTime),
		byCard: tx.Bucket(bucketByCard), byPharm: tx.Bucket(bucketByPharm),
		byTerm: tx.Bucket(bucketByTerm), voided: tx.Bucket(bucketVoided), charges: tx.Bucket(bucketCharges),
		accounts: tx.Bucket(bucketAccounts), purchases: tx.Bucket(bucketPurchases), counters: tx.Bucket(bucketCounters),
		holders: map[string]*policy.Holder{}, dirty: map[string]bool{},
	}
	// Records and the time-ordered indexes grow at their end: pack their
	// pages fuller than bbolt's default half (the card index and accounts
	// take inserts anywhere and keep the default).
	for _, bk := range []*bolt.Bucket{a.records, a.byTime, a.byPharm, a.byTerm} {
		bk.FillPercent = appendFill
	}
	if err := getJSON(tx.Bucket(bucketTerminals), []byte(terminal), &a.term); err != nil {
		return nil, fmt.Errorf("terminal: %w", err)
	}
	a.chain = ledger.Chain{AckedSeq: a.term.AckedSeq, LastHash: a.term.LastHash}
	return a, nil
}

// entry decides and applies one entry.
func (a *applier) entry(e wire.Entry) error {
	key := recordKey(a.term.ID, e.Seq)
	var (
		stored storedRecord
		held   ledger.Held
	)
	if e.Seq != 0 && e.Seq <= a.chain.AckedSeq {
		if v := a.records.Get(key); v != nil {
			var err error
			if stored, err = decodeRecord(v); err != nil {
				return fmt.Errorf("stored record %d: %w", e.Seq, err)
			}
			held = ledger.Held{Found: true, Hash: stored.Entry.Hash}
		}
	}
	d, err := ledger.Decide(a.chain, a.term.ID, e, held)
	if err != nil {
		return err
	}
	switch d.Verdict {
	case ledger.Duplicate:
		if ledger.Moves(stored.Txn.Kind) {
			a.results = append(a.results, stored.Txn.Settlement())
		}
		return nil
	case ledger.Conflict:
		return a.conflict(key, stored, d.Flags)
	}
	return a.record(key, e, d)
}

// conflict keeps the stored record of a seq the terminal resent with other
// content, adding the decision's flags to it.
func (a *applier) conflict(key []byte, stored storedRecord, flags []string) error {
	a.findings = append(a.findings, finding{
		msg: "terminal resent a stored seq with other content; kept the stored record",
		seq: stored.Txn.Seq, txnID: stored.Txn.TxnID, flags: flags,
	})
	before := stored.Txn
	before.Flags = slices.Clone(before.Flags)
	n := len(stored.Txn.Flags)
	for _, f := range flags {
		if !slices.Contains(stored.Txn.Flags, f) {
			stored.Txn.Flags = append(stored.Txn.Flags, f)
		}
	}
	if len(stored.Txn.Flags) == n {
		return nil
	}
	val, err := encodeRecord(stored.Txn, stored.Entry)
	if err != nil {
		return err
	}
	if err := a.records.Put(key, val); err != nil {
		return err
	}
	return reindex(a.tx, key, before, stored.Txn)
}

// record stores a new record, its indexes and its money, after the
// centre's judgement of it.
func (a *applier) record(key []byte, e wire.Entry, d ledger.Decision) error {
	rec := d.Record
	var (
		eff  ledger.Effect
		j    ledger.Judgement
		pres ledger.Presence
		used bool
	)
	if ledger.Moves(rec.Kind) {
		h, err := a.holder(rec.CardNo)
		if err != nil {
			return err
		}
		if pres, used, err = a.presence(key, rec); err != nil {
			return err
		}
		if j, err = a.judge(rec, h, pres, used); err != nil {
			return err
		}
		refused, target := "", ledger.VoidTarget{}
		if rec.Kind == wire.KindVoid {
			if target, err = a.voidTarget(rec); err != nil {
				return err
			}
			if refused = ledger.CheckVoid(rec, target, a.judging.Zone); refused == "" {
				j.VoidHeld = target.Held
			}
		}
		if refused != "" {
			eff = ledger.NoRefund(h, refused)
		} else if eff, err = ledger.Settle(rec, h, j); err != nil {
			return fmt.Errorf("entry %d: %w", e.Seq, err)
		}
		if err := a.noteMoney(rec, refused, j, eff, target); err != nil {
			return err
		}
		if eff.Delta != 0 {
			a.dirty[rec.CardNo] = true
		}
	}
	flags := append(append(slices.Clip(d.Flags), j.Codes()...), eff.Flags...)
	txn := TxnOf(rec, a.term.Pharmacy, a.received, flags, eff.BalanceAfter)
	txn.Findings = j.Findings
	if eff.Held > 0 {
		txn.Held, txn.Hold = eff.Held, HoldHeld
	}
	val, err := encodeRecord(txn, e)
	if err != nil {
		return err
	}
	if err := a.records.Put(key, val); err != nil {
		return fmt.Errorf("put record %d: %w", e.Seq, err)
	}
	if err := a.index(key, rec); err != nil {
		return fmt.Errorf("index record %d: %w", e.Seq, err)
	}
	if err := indexQueue(a.tx, key, txn); err != nil {
		return fmt.Errorf("index record %d: %w", e.Seq, err)
	}
	if pres.Verified() && !used {
		if err := a.counters.Put(counterKey(rec.CardNo, pres.Counter), key); err != nil {
			return fmt.Errorf("card counter %d: %w", e.Seq, err)
		}
	}
	if rec.Kind == wire.KindCharge && rec.CardNo != "" && txn.Hold == "" && !slices.Contains(txn.Flags, ledger.CodeDuplicateTxn) {
		if err := a.purchases.Put(indexKey(rec.CardNo, rec.At, key), encodePurchase(rec.Purchase(a.term.Pharmacy))); err != nil {
			return fmt.Errorf("purchase %d: %w", e.Seq, err)
		}
	}
	a.chain = d.Chain
	if ledger.Moves(rec.Kind) {
		a.results = append(a.results, txn.Settlement())
	}
	if len(flags) > 0 {
		a.findings = append(a.findings, finding{msg: "entry applied with flags", seq: e.Seq, txnID: rec.TxnID, flags: flags})
	}
	return nil
}

// presence verifies a new charge's card proof (ledger.CheckPresence) and,
// for one that verifies, reports whether another record stored at the
// centre used its (card, counter): the record at key itself does not
// count, so a record delivered again is never its own replay.
// An e-voucher is checked against its redemption and marked used by the
// record (CheckVoucherProof).
func (a *applier) presence(key []byte, rec wire.Record) (ledger.Presence, bool, error) {
	p, err := CheckVoucherProof(context.Background(), a, a.term.ID, rec, ledger.CheckPresence(rec, a.judging.IssuerKey))
	if err != nil || !p.Verified() {
		return p, false, err
	}
	owner := a.counters.Get(counterKey(rec.CardNo, p.Counter))
	return p, owner != nil && !bytes.Equal(owner, key), nil
}

// judge re-judges a new charge or void (ledger.Judge) with what this
// transaction holds: the card's account h, the card's history at every
// pharmacy, the terminal's earlier txn_ids and the card's proof with
// whether its counter was used (presence).
func (a *applier) judge(rec wire.Record, h *policy.Holder, pres ledger.Presence, counterUsed bool) (ledger.Judgement, error) {
	in := ledger.JudgeInput{
		Record: rec, Pharmacy: a.term.Pharmacy, Received: a.received, Zone: a.judging.Zone,
		Holder:   h,
		SeenTxn:  rec.TxnID != "" && a.charges.Get(voidedKey(a.term.ID, rec.TxnID)) != nil,
		Presence: pres, CounterUsed: counterUsed,
	}
	if a.judging.Bundle != nil && rec.Kind == wire.KindCharge {
		in.Policy = true
		in.Bundle = a.judging.Bundle(rec.RulesVersion)
		if in.Bundle != nil {
			in.StaleAfterH = in.Bundle.Rules.StaleAfterH
			hist, err := cardHistory(a.tx, rec.CardNo, a.judging.HistoryFrom(rec.At), a.judging.HistoryTo(rec.At))
			if err != nil {
				return ledger.Judgement{}, fmt.Errorf("history of %s: %w", rec.CardNo, err)
			}
			in.History = hist
		}
	}
	return ledger.Judge(in), nil
}

// index writes the lookup keys of a new record.
func (a *applier) index(key []byte, rec wire.Record) error {
	if err := a.byTime.Put(indexKey("", rec.At, key), key); err != nil {
		return err
	}
	if err := a.byPharm.Put(indexKey(a.term.Pharmacy, rec.At, key), key); err != nil {
		return err
	}
	if err := a.byTerm.Put(terminalIndexKey(a.term.ID, rec.At, rec.Seq), key); err != nil {
		return err
	}
	if rec.CardNo != "" {
		if err := a.byCard.Put(indexKey(rec.CardNo, rec.At, key), key); err != nil {
			return err
		}
	}
	return nil
}

// chargeRef is what a void is checked against.
type chargeRef struct {
	CardNo  string    `json:"card_no"`
	Account int64     `json:"account"`
	Held    int64     `json:"held,omitempty"` // the part not taken from the account
	At      time.Time `json:"at,omitzero"`
	Seq     uint64    `json:"seq,omitempty"` // the charge's record
}

// voidTarget reads what the centre holds of the charge a void reverses.
func (a *applier) voidTarget(rec wire.Record) (ledger.VoidTarget, error) {
	key := voidedKey(a.term.ID, rec.Reverses)
	var t ledger.VoidTarget
	if raw := a.charges.Get(key); raw != nil {
		var ref chargeRef
		if err := json.Unmarshal(raw, &ref); err != nil {
			return t, fmt.Errorf("charge %s: %w", rec.Reverses, err)
		}
		t = ledger.VoidTarget{Found: true, CardNo: ref.CardNo, Account: ref.Account, Held: ref.Held, At: ref.At, Seq: ref.Seq}
	}
	t.Voided = a.voided.Get(key) != nil
	return t, nil
}

// noteMoney remembers a charge for the voids to come (the first charge of
// a txn_id only: a repeated one cannot take its place), and a void that
// refunded its charge, whose hold then lapses.
func (a *applier) noteMoney(rec wire.Record, refused string, j ledger.Judgement, eff ledger.Effect, target ledger.VoidTarget) error {
	key := voidedKey(a.term.ID, rec.TxnID)
	switch {
	case rec.Kind == wire.KindCharge:
		if a.charges.Get(key) != nil {
			return nil
		}
		raw, err := json.Marshal(chargeRef{CardNo: rec.CardNo, Account: rec.Account, Held: eff.Held, At: rec.At, Seq: rec.Seq})
		if err != nil {
			return err
		}
		return a.charges.Put(key, raw)
	case rec.Kind == wire.KindVoid && refused == "":
		if err := a.voided.Put(voidedKey(a.term.ID, rec.Reverses), encodeUint64(rec.Seq)); err != nil {
			return err
		}
		if target.Seq != 0 && !target.At.IsZero() { // a voided charge no longer counts against the patient
			if err := a.purchases.Delete(indexKey(target.CardNo, target.At, recordKey(a.term.ID, target.Seq))); err != nil {
				return err
			}
		}
		if target.Held > 0 {
			return a.lapseHold(rec.Reverses)
		}
	case rec.Kind == wire.KindVoid:
		a.findings = append(a.findings, finding{msg: "void refunds nothing", seq: rec.Seq, txnID: rec.Reverses, flags: []string{refused}})
	}
	return nil
}

// lapseHold marks the hold of a voided charge HoldVoided.
func (a *applier) lapseHold(txnID string) error {
	var ref chargeRef
	if err := json.Unmarshal(a.charges.Get(voidedKey(a.term.ID, txnID)), &ref); err != nil {
		return fmt.Errorf("charge %s: %w", txnID, err)
	}
	return updateRecord(a.records, recordKey(a.term.ID, ref.Seq), func(t *Txn) bool {
		if !ledger.HoldAwaiting(t.Hold) {
			return false
		}
		t.Hold = HoldVoided
		return true
	})
}

// holder returns the account of a card, read once per Apply; nil when the
// centre has none.
func (a *applier) holder(cardNo string) (*policy.Holder, error) {
	if h, ok := a.holders[cardNo]; ok || cardNo == "" {
		return h, nil
	}
	var h policy.Holder
	err := getJSON(a.accounts, []byte(cardNo), &h)
	switch {
	case errors.Is(err, ErrNotFound):
		a.holders[cardNo] = nil
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("account %s: %w", cardNo, err)
	}
	a.holders[cardNo] = &h
	return &h, nil
}

// finish writes the changed balances and the terminal's chain state.
func (a *applier) finish() (ApplyResult, error) {
	for card := range a.dirty {
		if err := putJSON(a.accounts, []byte(card), a.holders[card]); err != nil {
			return ApplyResult{}, err
		}
	}
	a.term.AckedSeq, a.term.LastHash = a.chain.AckedSeq, a.chain.LastHash
	if a.received.After(a.term.LastSeen) {
		a.term.LastSeen = a.received
	}
	if err := putJSON(a.tx.Bucket(bucketTerminals), []byte(a.term.ID), a.term); err != nil {
		return ApplyResult{}, err
	}
	return ApplyResult{AckedSeq: a.chain.AckedSeq, Results: a.results}, nil
}
