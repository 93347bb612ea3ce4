package store

import (
	"context"
	"encoding/binary"
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

// Rule records a supervisor's ruling on a charge's hold (see Store): the
// record, its ruling history, the account and the charge's reference for
// voids change in one transaction; bbolt serialises writers, so two
// rulings at once are one after the other.
func (b *Bolt) Rule(ctx context.Context, r RulingRequest) (Txn, error) {
	if err := ctx.Err(); err != nil {
		return Txn{}, fmt.Errorf("rule on %s/%d: %w", r.Terminal, r.Seq, err)
	}
	var out Txn
	err := b.db.Update(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketRecords)
		key := recordKey(r.Terminal, r.Seq)
		v := records.Get(key)
		if v == nil {
			return ErrNotFound
		}
		t, err := decodeTxn(v)
		if err != nil {
			return err
		}
		history, err := rulingsOf(tx.Bucket(bucketRulings), key)
		if err != nil {
			return err
		}
		dec, err := ledger.RuleOn(ledger.RulingCase{
			Hold: t.Hold, Held: t.Held, PendingBy: pendingBy(t.Hold, history),
			Action: r.Action, By: r.By, Note: r.Note, SecondReview: r.SecondReviewAmount,
		})
		if err != nil {
			return err
		}
		if dec.Take {
			if err := b.takeHeld(tx, key, t); err != nil {
				return err
			}
		}
		ruling := Ruling{Action: r.Action, By: r.By, Note: r.Note, At: r.At.UTC().Truncate(time.Microsecond), State: dec.Hold}
		if err := putJSON(tx.Bucket(bucketRulings), rulingKey(key, len(history)+1), ruling); err != nil {
			return err
		}
		return updateRecord(records, key, func(rt *Txn) bool {
			rt.Hold = dec.Hold
			out = *rt
			return true
		})
	})
	if err != nil {
		return Txn{}, fmt.Errorf("rule on %s/%d: %w", r.Terminal, r.Seq, err)
	}
	return out, nil
}

// takeHeld takes an accepted hold's fen from the card's account
// (ledger.Rule): from now on the charge counts against the patient, and a
// void refunds all of it.
func (b *Bolt) takeHeld(tx *bolt.Tx, key []byte, t Txn) error {
	accounts := tx.Bucket(bucketAccounts)
	var h *policy.Holder
	var acct policy.Holder
	switch err := getJSON(accounts, []byte(t.CardNo), &acct); {
	case err == nil:
		h = &acct
	case !errors.Is(err, ErrNotFound):
		return fmt.Errorf("account %s: %w", t.CardNo, err)
	}
	delta, err := ledger.Rule(t.Held, h, true)
	if err != nil {
		return err
	}
	if delta != 0 {
		if err := putJSON(accounts, []byte(t.CardNo), h); err != nil {
			return err
		}
	}
	if err := acceptedRef(tx.Bucket(bucketCharges), voidedKey(t.Terminal, t.TxnID), t.Seq); err != nil {
		return err
	}
	if t.Kind == wire.KindCharge && t.CardNo != "" && !slices.Contains(t.Flags, ledger.CodeDuplicateTxn) &&
		tx.Bucket(bucketVoided).Get(voidedKey(t.Terminal, t.TxnID)) == nil {
		return putPurchase(tx, key)
	}
	return nil
}

// Rulings returns the ruling history of a record (see Store).
func (b *Bolt) Rulings(ctx context.Context, terminal string, seq uint64) ([]Ruling, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("rulings of %s/%d: %w", terminal, seq, err)
	}
	var out []Ruling
	err := b.db.View(func(tx *bolt.Tx) error {
		key := recordKey(terminal, seq)
		if tx.Bucket(bucketRecords).Get(key) == nil {
			return ErrNotFound
		}
		var err error
		out, err = rulingsOf(tx.Bucket(bucketRulings), key)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rulings of %s/%d: %w", terminal, seq, err)
	}
	return out, nil
}

// rulingsOf reads the ruling history of the record at key, oldest first.
func rulingsOf(bk *bolt.Bucket, key []byte) ([]Ruling, error) {
	out := []Ruling{}
	c := bk.Cursor()
	for k, v := c.Seek(key); k != nil && len(k) == len(key)+4 && string(k[:len(key)]) == string(key); k, v = c.Next() {
		var r Ruling
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("ruling %q: %w", k, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// rulingKey is a record's key and a ruling's ordinal.
func rulingKey(recKey []byte, ordinal int) []byte {
	k := slices.Clip(slices.Clone(recKey))
	return binary.BigEndian.AppendUint32(k, uint32(ordinal))
}

// pendingBy is who made the refusal a hold in HoldRefusePending awaits
// confirmation of: the author of the last ruling that left that state.
func pendingBy(hold string, history []Ruling) string {
	if hold != HoldRefusePending {
		return ""
	}
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].State == HoldRefusePending {
			return history[i].By
		}
	}
	return ""
}
