package store

import (
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

	records, byTime, byCard, byPharm, byTerm, voided, charges, accounts *bolt.Bucket

	holders  map[string]*policy.Holder // accounts read so far; nil: none
	dirty    map[string]bool           // accounts whose balance changed
	results  []wire.Settlement
	findings []finding
}

func newApplier(tx *bolt.Tx, terminal string, received time.Time) (*applier, error) {
	a := &applier{
		tx: tx, received: received,
		records: tx.Bucket(bucketRecords), byTime: tx.Bucket(bucketByTime),
		byCard: tx.Bucket(bucketByCard), byPharm: tx.Bucket(bucketByPharm),
		byTerm: tx.Bucket(bucketByTerm), voided: tx.Bucket(bucketVoided), charges: tx.Bucket(bucketCharges),
		accounts: tx.Bucket(bucketAccounts),
		holders:  map[string]*policy.Holder{}, dirty: map[string]bool{},
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
	return a.records.Put(key, val)
}

// record stores a new record, its indexes and its money.
func (a *applier) record(key []byte, e wire.Entry, d ledger.Decision) error {
	rec := d.Record
	var eff ledger.Effect
	if ledger.Moves(rec.Kind) {
		h, err := a.holder(rec.CardNo)
		if err != nil {
			return err
		}
		refused := ""
		if rec.Kind == wire.KindVoid {
			if refused, err = a.checkVoid(rec); err != nil {
				return err
			}
		}
		if refused != "" {
			eff = ledger.NoRefund(h, refused)
		} else if eff, err = ledger.Settle(rec, h); err != nil {
			return fmt.Errorf("entry %d: %w", e.Seq, err)
		}
		if err := a.noteMoney(rec, refused); err != nil {
			return err
		}
		if eff.Delta != 0 {
			a.dirty[rec.CardNo] = true
		}
	}
	flags := append(slices.Clip(d.Flags), eff.Flags...)
	txn := TxnOf(rec, a.term.Pharmacy, a.received, flags, eff.BalanceAfter)
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
	a.chain = d.Chain
	if ledger.Moves(rec.Kind) {
		a.results = append(a.results, txn.Settlement())
	}
	if len(flags) > 0 {
		a.findings = append(a.findings, finding{msg: "entry applied with flags", seq: e.Seq, txnID: rec.TxnID, flags: flags})
	}
	return nil
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
	CardNo  string `json:"card_no"`
	Account int64  `json:"account"`
}

// checkVoid returns "" when a void may refund its charge, else its flag.
func (a *applier) checkVoid(rec wire.Record) (string, error) {
	key := voidedKey(a.term.ID, rec.Reverses)
	var t ledger.VoidTarget
	if raw := a.charges.Get(key); raw != nil {
		var ref chargeRef
		if err := json.Unmarshal(raw, &ref); err != nil {
			return "", fmt.Errorf("charge %s: %w", rec.Reverses, err)
		}
		t = ledger.VoidTarget{Found: true, CardNo: ref.CardNo, Account: ref.Account}
	}
	t.Voided = a.voided.Get(key) != nil
	return ledger.CheckVoid(rec, t), nil
}

// noteMoney remembers a charge for the voids to come, and a void that
// refunded its charge.
func (a *applier) noteMoney(rec wire.Record, refused string) error {
	key := voidedKey(a.term.ID, rec.TxnID)
	switch {
	case rec.Kind == wire.KindCharge:
		raw, err := json.Marshal(chargeRef{CardNo: rec.CardNo, Account: rec.Account})
		if err != nil {
			return err
		}
		return a.charges.Put(key, raw)
	case rec.Kind == wire.KindVoid && refused == "":
		return a.voided.Put(voidedKey(a.term.ID, rec.Reverses), encodeUint64(rec.Seq))
	case rec.Kind == wire.KindVoid:
		a.findings = append(a.findings, finding{msg: "void refunds nothing", seq: rec.Seq, txnID: rec.Reverses, flags: []string{refused}})
	}
	return nil
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
