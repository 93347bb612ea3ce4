package journal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// DaySummary summarises the charges and voids whose At is in [from, to),
// for the daily reconciliation with the centre, as of the last seq in the
// same read transaction (AsOfSeq). It walks the time index and reads only
// charges and voids, so refusals and quotes cost nothing.
//
// A damaged journal is summarised as it stands, so that the centre's
// comparison shows the damage: an entry the index names but the file no
// longer holds is left out, and an entry that does not match its hash
// counts as its body says. Both are logged.
func (j *Journal) DaySummary(from, to time.Time) (wire.DaySummary, error) {
	var (
		items []wire.DayItem
		asOf  uint64
	)
	err := j.db.View(func(tx *bolt.Tx) error {
		asOf = getUint(tx.Bucket(bMeta), kLastSeq)
		end := timeKey(clampTime(to))
		c := tx.Bucket(bTime).Cursor()
		for k, v := c.Seek(timeKey(clampTime(from))); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
			seq, ok := keySeq(k)
			if !ok || len(v) != 1 || (v[0] != kindByteCharge && v[0] != kindByteVoid) {
				continue
			}
			if it, ok := j.dayItem(tx, seq); ok {
				items = append(items, it)
			}
		}
		return nil
	})
	if err != nil {
		return wire.DaySummary{}, fmt.Errorf("journal: summary of %s: %w", from.Format(time.DateOnly), err)
	}
	sum := wire.SummariseDay(j.terminal, from, to, items)
	sum.AsOfSeq = asOf
	return sum, nil
}

// dayItem reads the record at seq for a summary; ok is false when there is
// nothing to count.
func (j *Journal) dayItem(tx *bolt.Tx, seq uint64) (wire.DayItem, bool) {
	e, err := getEntry(tx, seq)
	if err != nil {
		j.log.Warn("journal: day summary: indexed record missing", "seq", seq, "err", err)
		return wire.DayItem{}, false
	}
	rec, err := wire.Open(e)
	if err != nil {
		j.log.Warn("journal: day summary: damaged record", "seq", seq, "err", err)
		if rec.Seq != seq || (rec.Kind != wire.KindCharge && rec.Kind != wire.KindVoid) {
			return wire.DayItem{}, false
		}
	}
	return wire.ItemOf(rec), true
}

// FirstAt returns the At of the earliest charge, void or refusal
// (ErrNotFound when there is none): the first day there is anything to
// reconcile.
func (j *Journal) FirstAt() (time.Time, error) {
	var at time.Time
	err := j.db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bTime).Cursor().First()
		if len(k) < 8 {
			return ErrNotFound
		}
		at = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])^(1<<63)))
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("journal: first record time: %w", err)
	}
	return at, nil
}
