package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// EachRecord calls fn with every record dated in [from, to), oldest
// first, in one read transaction (see Store): it walks the time index,
// whose keys order records by time, terminal and seq.
func (b *Bolt) EachRecord(ctx context.Context, from, to time.Time, fn func(StoredRecord) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("records: %w", err)
	}
	err := b.db.View(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketRecords)
		var upper []byte
		if !to.IsZero() {
			upper = appendTime(nil, to)
		}
		c := tx.Bucket(bucketByTime).Cursor()
		k, v := c.First()
		if !from.IsZero() {
			k, v = c.Seek(appendTime(nil, from))
		}
		for ; k != nil; k, v = c.Next() {
			if upper != nil && bytes.Compare(k, upper) >= 0 {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			raw := records.Get(v)
			if raw == nil {
				return fmt.Errorf("index points at missing record %q", v)
			}
			r, err := decodeRecord(raw)
			if err != nil {
				return fmt.Errorf("record %q: %w", v, err)
			}
			var rec wire.Record
			if err := json.Unmarshal(r.Entry.Body, &rec); err != nil {
				return fmt.Errorf("record %q: body: %w", v, err)
			}
			if err := fn(StoredRecord{Txn: r.Txn, Record: rec}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("records: %w", err)
	}
	return nil
}
