package journal

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// Get returns the record at seq and its entry (ErrNotFound when there is
// none). A record that does not match its hash is an error wrapping
// ErrChainBroken.
func (j *Journal) Get(seq uint64) (wire.Record, wire.Entry, error) {
	var (
		rec wire.Record
		e   wire.Entry
	)
	err := j.db.View(func(tx *bolt.Tx) error {
		var err error
		rec, e, err = getRecord(tx, seq)
		return err
	})
	if err != nil {
		return wire.Record{}, wire.Entry{}, fmt.Errorf("journal: get: %w", err)
	}
	return rec, e, nil
}

// ByTxn returns the charge or void with this txn_id (ErrNotFound).
func (j *Journal) ByTxn(txnID string) (wire.Record, error) {
	return j.byIndex(bTxn, "txn "+txnID, txnID)
}

// ByIdempotencyKey returns the charge made with this key (ErrNotFound).
func (j *Journal) ByIdempotencyKey(key string) (wire.Record, error) {
	return j.byIndex(bIdem, "idempotency key "+key, key)
}

// byIndex reads the record an index maps key to.
func (j *Journal) byIndex(bucket []byte, what, key string) (wire.Record, error) {
	var rec wire.Record
	err := j.db.View(func(tx *bolt.Tx) error {
		seq := tx.Bucket(bucket).Get([]byte(key))
		if seq == nil {
			return ErrNotFound
		}
		var err error
		rec, _, err = getRecord(tx, getSeq(seq))
		return err
	})
	if err != nil {
		return wire.Record{}, fmt.Errorf("journal: %s: %w", what, err)
	}
	return rec, nil
}

// Voided reports whether the charge or void txnID has been voided
// (ErrNotFound when no charge or void has that txn_id).
func (j *Journal) Voided(txnID string) (bool, error) {
	var voided bool
	err := j.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bTxn).Get([]byte(txnID)) == nil {
			return ErrNotFound
		}
		voided = tx.Bucket(bVoided).Get([]byte(txnID)) != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("journal: voided %s: %w", txnID, err)
	}
	return voided, nil
}

// CardCharges returns this terminal's charges of cardNo with At at or after
// since that have not been voided, oldest first.
func (j *Journal) CardCharges(cardNo string, since time.Time) ([]wire.Record, error) {
	var out []wire.Record
	err := j.db.View(func(tx *bolt.Tx) error {
		prefix := cardPrefix(cardNo)
		voided := tx.Bucket(bVoided)
		c := tx.Bucket(bCard).Cursor()
		for k, v := c.Seek(join(prefix, timeKey(clampTime(since)))); bytes.HasPrefix(k, prefix); k, v = c.Next() {
			seq, ok := keySeq(k)
			if !ok || len(v) != 1 || v[0] != kindByteCharge {
				continue
			}
			rec, _, err := getRecord(tx, seq)
			if err != nil {
				return err
			}
			if voided.Get([]byte(rec.TxnID)) == nil {
				out = append(out, rec)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal: charges of card %s: %w", cardNo, err)
	}
	return out, nil
}

// Day returns the charges, voids and refusals whose At falls on day's date
// in day's location, from that midnight to the next, in seq order. A
// non-empty cardNo keeps only that card's records.
func (j *Journal) Day(day time.Time, cardNo string) ([]wire.Record, error) {
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, day.Location())
	end := timeKey(clampTime(start.AddDate(0, 0, 1)))
	var out []wire.Record
	err := j.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bTime).Cursor()
		for k, _ := c.Seek(timeKey(clampTime(start))); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
			seq, ok := keySeq(k)
			if !ok {
				continue
			}
			rec, _, err := getRecord(tx, seq)
			if err != nil {
				return err
			}
			if cardNo == "" || rec.CardNo == cardNo {
				out = append(out, rec)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal: day %s: %w", start.Format(time.DateOnly), err)
	}
	slices.SortFunc(out, func(a, b wire.Record) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

// clampTime keeps t within what a time key can hold.
func clampTime(t time.Time) time.Time {
	switch {
	case t.Before(minTime):
		return minTime
	case t.After(maxTime):
		return maxTime
	}
	return t
}
