package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/wire"
)

// RuleHold records a supervisor's ruling on a charge's hold (see Store):
// the record, the account and the charge's reference for voids change in
// one transaction.
func (b *Bolt) RuleHold(ctx context.Context, terminal string, seq uint64, accept bool) (Txn, error) {
	if err := ctx.Err(); err != nil {
		return Txn{}, fmt.Errorf("rule on %s/%d: %w", terminal, seq, err)
	}
	var out Txn
	err := b.db.Update(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketRecords)
		key := recordKey(terminal, seq)
		v := records.Get(key)
		if v == nil {
			return ErrNotFound
		}
		t, err := decodeTxn(v)
		if err != nil {
			return err
		}
		if t.Hold != HoldHeld {
			return ErrNoHold
		}
		accounts := tx.Bucket(bucketAccounts)
		var h *policy.Holder
		var acct policy.Holder
		switch err := getJSON(accounts, []byte(t.CardNo), &acct); {
		case err == nil:
			h = &acct
		case !errors.Is(err, ErrNotFound):
			return fmt.Errorf("account %s: %w", t.CardNo, err)
		}
		delta, err := ledger.Rule(t.Held, h, accept)
		if err != nil {
			return err
		}
		if delta != 0 {
			if err := putJSON(accounts, []byte(t.CardNo), h); err != nil {
				return err
			}
		}
		state := HoldRefused
		if accept { // now it counts against the patient, and a void refunds all of it
			state = HoldAccepted
			if err := acceptedRef(tx.Bucket(bucketCharges), voidedKey(terminal, t.TxnID), seq); err != nil {
				return err
			}
			if t.Kind == wire.KindCharge && t.CardNo != "" && !slices.Contains(t.Flags, ledger.CodeDuplicateTxn) &&
				tx.Bucket(bucketVoided).Get(voidedKey(terminal, t.TxnID)) == nil {
				if err := putPurchase(tx, key); err != nil {
					return err
				}
			}
		}
		return updateRecord(records, key, func(rt *Txn) bool {
			rt.Hold = state
			out = *rt
			return true
		})
	})
	if err != nil {
		return Txn{}, fmt.Errorf("rule on %s/%d: %w", terminal, seq, err)
	}
	return out, nil
}

// acceptedRef clears the hold of the charge reference at key when it is
// the record at seq: a void of an accepted charge refunds all of it.
func acceptedRef(charges *bolt.Bucket, key []byte, seq uint64) error {
	raw := charges.Get(key)
	if raw == nil {
		return nil
	}
	var ref chargeRef
	if err := json.Unmarshal(raw, &ref); err != nil {
		return fmt.Errorf("charge reference: %w", err)
	}
	if ref.Seq != seq {
		return nil
	}
	ref.Held = 0
	raw, err := json.Marshal(ref)
	if err != nil {
		return err
	}
	return charges.Put(key, raw)
}

// updateRecord rewrites the Txn of the stored record at key with edit,
// keeping the entry as the terminal sent it; edit returns false to leave
// it as it was.
func updateRecord(records *bolt.Bucket, key []byte, edit func(*Txn) bool) error {
	v := records.Get(key)
	if v == nil {
		return fmt.Errorf("record %q: %w", key, ErrNotFound)
	}
	r, err := decodeRecord(v)
	if err != nil {
		return fmt.Errorf("record %q: %w", key, err)
	}
	if !edit(&r.Txn) {
		return nil
	}
	val, err := encodeRecord(r.Txn, r.Entry)
	if err != nil {
		return err
	}
	return records.Put(key, val)
}
