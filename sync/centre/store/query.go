package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/wire"
)

// defaultLimit is the most transactions one query returns when the filter
// does not say.
const defaultLimit = 1000

// Transactions lists synced records matching f, newest first (by the time
// the terminal recorded them), at most f.Limit (default 1000). It walks the
// narrowest index the filter allows: card; the queue's indexes (review.go)
// for held or flagged records; terminal, pharmacy, else time.
func (b *Bolt) Transactions(ctx context.Context, f Filter) ([]Txn, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("transactions: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	out := []Txn{}
	err := b.db.View(func(tx *bolt.Tx) error {
		bk, prefix := pickIndex(tx, f)
		records := tx.Bucket(bucketRecords)
		return scanBack(bk.Cursor(), prefix, f.From, f.To, func(recKey []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			t, err := loadTxn(records, recKey)
			if err != nil {
				return false, err
			}
			if f.match(t) {
				out = append(out, t)
			}
			return len(out) < limit, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("transactions: %w", err)
	}
	return out, nil
}

// pickIndex returns the index to walk for f and the key prefix within it.
func pickIndex(tx *bolt.Tx, f Filter) (*bolt.Bucket, []byte) {
	switch {
	case f.CardNo != "":
		return tx.Bucket(bucketByCard), prefixKey(f.CardNo)
	case f.Held:
		return awaitingIndex.pick(tx, f)
	case f.Flagged:
		return reviewIndex.pick(tx, f)
	case f.Terminal != "":
		return tx.Bucket(bucketByTerm), prefixKey(f.Terminal)
	case f.Pharmacy != "":
		return tx.Bucket(bucketByPharm), prefixKey(f.Pharmacy)
	}
	return tx.Bucket(bucketByTime), nil
}

// match reports whether t passes every field of f.
func (f Filter) match(t Txn) bool {
	return (f.Pharmacy == "" || t.Pharmacy == f.Pharmacy) &&
		(f.Terminal == "" || t.Terminal == f.Terminal) &&
		(f.CardNo == "" || t.CardNo == f.CardNo) &&
		(f.Kind == "" || t.Kind == f.Kind) &&
		(!f.Flagged || t.Flagged()) &&
		(!f.Held || AwaitsRuling(t.Hold)) &&
		(f.Cashier == "" || t.Cashier == f.Cashier) &&
		(f.Code == "" || t.HasCode(f.Code)) &&
		t.Account >= f.MinAccount && (f.MaxAccount == 0 || t.Account <= f.MaxAccount) &&
		(f.From.IsZero() || !t.At.Before(f.From)) &&
		(f.To.IsZero() || t.At.Before(f.To))
}

// scanBack walks the index keys prefix+time+… with time in [from, to)
// (zero: unbounded) from the newest, calling fn with each value until it
// returns false.
func scanBack(c *bolt.Cursor, prefix []byte, from, to time.Time, fn func(v []byte) (bool, error)) error {
	var k, v []byte
	switch {
	case !to.IsZero():
		k, v = seekBefore(c, appendTime(bytes.Clone(prefix), to))
	case len(prefix) > 0:
		upper := bytes.Clone(prefix)
		upper[len(upper)-1]++ // prefix ends in the 0x00 separator
		k, v = seekBefore(c, upper)
	default:
		k, v = c.Last()
	}
	var low []byte
	if !from.IsZero() {
		low = appendTime(nil, from)
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		at := k[len(prefix):]
		if low != nil && len(at) >= timeKeyLen && bytes.Compare(at[:timeKeyLen], low) < 0 {
			return nil
		}
		more, err := fn(v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// seekBefore positions c on the last key below key.
func seekBefore(c *bolt.Cursor, key []byte) ([]byte, []byte) {
	if k, _ := c.Seek(key); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// loadTxn reads the Txn of the record an index entry points at.
func loadTxn(records *bolt.Bucket, recKey []byte) (Txn, error) {
	v := records.Get(recKey)
	if v == nil {
		return Txn{}, fmt.Errorf("index points at missing record %q", recKey)
	}
	t, err := decodeTxn(v)
	if err != nil {
		return Txn{}, fmt.Errorf("record %q: %w", recKey, err)
	}
	return t, nil
}

// CardHistory returns a card's charges at every terminal with At ≥ since,
// oldest first, leaving out charges that have been voided.
func (b *Bolt) CardHistory(ctx context.Context, cardNo string, since time.Time) ([]policy.Purchase, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("history of %s: %w", cardNo, err)
	}
	var out []policy.Purchase
	err := b.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = cardHistory(tx, cardNo, since, time.Time{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", cardNo, err)
	}
	return out, nil
}

// purchase reads the record at recKey as a purchase; ok is false when it is
// not a charge or has been voided.
func purchase(records, voided *bolt.Bucket, recKey []byte) (policy.Purchase, bool, error) {
	v := records.Get(recKey)
	if v == nil {
		return policy.Purchase{}, false, fmt.Errorf("index points at missing record %q", recKey)
	}
	r, err := decodeRecord(v)
	if err != nil {
		return policy.Purchase{}, false, fmt.Errorf("record %q: %w", recKey, err)
	}
	if r.Txn.Kind != wire.KindCharge || ledger.HoldAwaiting(r.Txn.Hold) || r.Txn.Hold == HoldRefused ||
		voided.Get(voidedKey(r.Txn.Terminal, r.Txn.TxnID)) != nil {
		return policy.Purchase{}, false, nil
	}
	var rec wire.Record
	if err := json.Unmarshal(r.Entry.Body, &rec); err != nil {
		return policy.Purchase{}, false, fmt.Errorf("record %q: body: %w", recKey, err)
	}
	return rec.Purchase(r.Txn.Pharmacy), true, nil
}
