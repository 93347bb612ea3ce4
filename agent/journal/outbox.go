package journal

import (
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// Entries returns up to max entries with seq > after, in ascending seq
// order. max <= 0 returns none.
func (j *Journal) Entries(after uint64, max int) ([]wire.Entry, error) {
	if max <= 0 || after == math.MaxUint64 {
		return nil, nil
	}
	// Only entries LastSeq already counts: an append commits to the file
	// before its cached view moves, and an entry sent (and acked) before
	// LastSeq includes it would look like a journal behind the centre.
	last := j.LastSeq()
	var out []wire.Entry
	err := j.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bEntries).Cursor()
		for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < max && getSeq(k) <= last; k, v = c.Next() {
			e, err := decodeEntry(getSeq(k), v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal: entries after %d: %w", after, err)
	}
	return out, nil
}

// Acked returns the outbox cursor: the highest seq the centre acknowledged.
func (j *Journal) Acked() uint64 {
	return j.snapshot().acked
}

// Synced reports whether the centre has acknowledged seq.
func (j *Journal) Synced(seq uint64) bool {
	return seq <= j.Acked()
}

// SetAcked moves the outbox cursor to the centre's word. A seq beyond
// LastSeq is clamped to it; a seq below the current cursor (a centre
// restored from backup) is accepted and logged, so the records sync again.
func (j *Journal) SetAcked(seq uint64) error {
	j.wmu.Lock()
	defer j.wmu.Unlock()
	v := j.snapshot()
	if seq > v.lastSeq {
		j.log.Warn("journal: centre acknowledged beyond the last record; clamped", "acked", seq, "last_seq", v.lastSeq)
		seq = v.lastSeq
	}
	if seq == v.acked {
		return nil
	}
	if seq < v.acked {
		j.log.Warn("journal: centre acknowledged less than before; records will sync again", "was", v.acked, "now", seq)
	}
	err := j.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bMeta).Put(kAcked, u64(seq)); err != nil {
			return fmt.Errorf("put acked: %w", err)
		}
		v.sumAcked = sumAt(tx.Bucket(bSum), nil, seq)
		oldest, err := oldestUnsynced(tx, seq, v.lastSeq)
		if err != nil {
			j.log.Warn("journal: backlog age unknown", "err", err)
		}
		v.oldest = oldest
		return nil
	})
	if err != nil {
		return fmt.Errorf("journal: set acked %d: %w", seq, err)
	}
	v.acked = seq
	j.setView(v)
	return nil
}

// Backlog returns how many records the centre has not acknowledged and the
// At of the first of them (zero when there are none).
func (j *Journal) Backlog() (count uint64, oldest time.Time) {
	v := j.snapshot()
	return v.lastSeq - v.acked, v.oldest
}

// Unsynced returns the offline exposure: the account fen of charges minus
// the refunds of voids with seq > Acked(), for cardNo and for the whole
// terminal. Both come from running sums kept on disk, so the cost does not
// grow with the backlog. If the file cannot be read the card figure is 0
// and the error is logged.
func (j *Journal) Unsynced(cardNo string) (card, terminal int64) {
	v := j.snapshot()
	terminal = v.sumLast - v.sumAcked
	err := j.db.View(func(tx *bolt.Tx) error {
		b, p := tx.Bucket(bCardSum), cardPrefix(cardNo)
		card = sumAt(b, p, v.lastSeq) - sumAt(b, p, v.acked)
		return nil
	})
	if err != nil {
		j.log.Error("journal: unsynced card exposure", "card_no", cardNo, "err", err)
	}
	return card, terminal
}
