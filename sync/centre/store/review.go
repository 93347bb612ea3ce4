package store

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The queue's indexes, so that its first page costs the same with a
// million records stored as with a thousand:
//
//   - the review index: every record a supervisor reviews (Txn.Flagged: a
//     flag, a finding, a review or block reason; every held record is
//     flagged). Entries are never removed: a ruling changes a record's
//     hold, not whether it was flagged;
//   - the awaiting index: every charge whose hold awaits a ruling
//     (AwaitsRuling). A record leaves it when its hold is ruled or lapses
//     (updateRecord keeps both in step), so the held queue of a region whose
//     supervisors are up to date reads nothing.
//
// Each is kept by time for the whole region, per pharmacy and per
// terminal.
type queueIndex struct{ byTime, byPharm, byTerm []byte }

var (
	reviewIndex = queueIndex{
		byTime:  []byte("review_by_time"),     // at terminal 0 seq → record key
		byPharm: []byte("review_by_pharmacy"), // pharmacy 0 at terminal 0 seq → record key
		byTerm:  []byte("review_by_terminal"), // terminal 0 at terminal 0 seq → record key
	}
	awaitingIndex = queueIndex{
		byTime:  []byte("awaiting_by_time"),
		byPharm: []byte("awaiting_by_pharmacy"),
		byTerm:  []byte("awaiting_by_terminal"),
	}
)

// buckets lists the index's buckets.
func (q queueIndex) buckets() [][]byte { return [][]byte{q.byTime, q.byPharm, q.byTerm} }

// put adds the record at key, whose Txn is t, to the index.
func (q queueIndex) put(tx *bolt.Tx, key []byte, t Txn) error {
	for i, name := range []string{"", t.Pharmacy, t.Terminal} {
		if err := tx.Bucket(q.buckets()[i]).Put(indexKey(name, t.At, key), key); err != nil {
			return fmt.Errorf("queue index: %w", err)
		}
	}
	return nil
}

// remove takes the record at key, whose Txn is t, out of the index.
func (q queueIndex) remove(tx *bolt.Tx, key []byte, t Txn) error {
	for i, name := range []string{"", t.Pharmacy, t.Terminal} {
		if err := tx.Bucket(q.buckets()[i]).Delete(indexKey(name, t.At, key)); err != nil {
			return fmt.Errorf("queue index: %w", err)
		}
	}
	return nil
}

// pick returns the bucket to walk for f and the key prefix within it.
func (q queueIndex) pick(tx *bolt.Tx, f Filter) (*bolt.Bucket, []byte) {
	switch {
	case f.Terminal != "":
		return tx.Bucket(q.byTerm), prefixKey(f.Terminal)
	case f.Pharmacy != "":
		return tx.Bucket(q.byPharm), prefixKey(f.Pharmacy)
	}
	return tx.Bucket(q.byTime), nil
}

// indexQueue adds a new record to the queue's indexes it belongs in.
func indexQueue(tx *bolt.Tx, key []byte, t Txn) error {
	if t.Flagged() {
		if err := reviewIndex.put(tx, key, t); err != nil {
			return err
		}
	}
	if AwaitsRuling(t.Hold) {
		return awaitingIndex.put(tx, key, t)
	}
	return nil
}

// reindex keeps the queue's indexes in step when the record at key
// changes from before to after: it may become flagged (a conflicting
// resend), and its hold may be ruled or lapse.
func reindex(tx *bolt.Tx, key []byte, before, after Txn) error {
	if !before.Flagged() && after.Flagged() {
		if err := reviewIndex.put(tx, key, after); err != nil {
			return err
		}
	}
	switch was, is := AwaitsRuling(before.Hold), AwaitsRuling(after.Hold); {
	case was && !is:
		return awaitingIndex.remove(tx, key, after)
	case !was && is:
		return awaitingIndex.put(tx, key, after)
	}
	return nil
}

// metaQueueIndex marks a store whose queue indexes cover every record: a
// store written before they existed is indexed once, on open.
var metaQueueIndex = []byte("queue_index")

// ensureQueueIndex indexes every stored record once, for a store written
// before the queue's indexes existed.
func ensureQueueIndex(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta.Get(metaQueueIndex) != nil {
		return nil
	}
	err := tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
		t, err := decodeTxn(v)
		if err != nil {
			return fmt.Errorf("record %q: %w", k, err)
		}
		return indexQueue(tx, bytes.Clone(k), t)
	})
	if err != nil {
		return fmt.Errorf("build the queue's indexes: %w", err)
	}
	return meta.Put(metaQueueIndex, []byte{1})
}
