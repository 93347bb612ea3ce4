package journal

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Keys of the meta bucket for a rebased journal: the seq and hash its
// first record follows (absent: 0 and "", a journal started from seq 1).
var (
	kBaseSeq  = []byte("base_seq")
	kBaseHash = []byte("base_hash")
)

// ErrNotEmpty means Rebase was asked of a journal that holds records.
var ErrNotEmpty = errors.New("journal holds records")

// Rebase makes an empty journal continue after seq: its first record gets
// seq+1 and links to hash, and seq counts as acknowledged. It is how a
// terminal whose journal was wiped continues from the centre's acked seq
// once the centre recorded the break (`centre terminal rebase`). A journal
// holding any record refuses with ErrNotEmpty: its seqs are already taken
// and possibly on receipts.
func (j *Journal) Rebase(seq uint64, hash string) error {
	j.wmu.Lock()
	defer j.wmu.Unlock()
	v := j.snapshot()
	if v.lastSeq != 0 {
		return fmt.Errorf("journal: rebase at %d: %w (last seq %d)", seq, ErrNotEmpty, v.lastSeq)
	}
	if seq == 0 {
		return nil
	}
	err := j.db.Update(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bEntries).Cursor().First(); k != nil {
			return fmt.Errorf("%w: entry %x", ErrNotEmpty, k)
		}
		meta := tx.Bucket(bMeta)
		for _, kv := range []struct{ k, v []byte }{
			{kBaseSeq, u64(seq)}, {kBaseHash, []byte(hash)},
			{kLastSeq, u64(seq)}, {kLastHash, []byte(hash)}, {kAcked, u64(seq)},
		} {
			if err := meta.Put(kv.k, kv.v); err != nil {
				return fmt.Errorf("put %s: %w", kv.k, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("journal: rebase at %d: %w", seq, err)
	}
	j.setView(view{lastSeq: seq, lastHash: hash, acked: seq})
	j.log.Warn("journal: rebased; the first record continues after the centre's acked seq", "seq", seq)
	return nil
}

// Base returns the seq and hash the journal's first record follows: 0 and
// "" unless the journal was rebased.
func (j *Journal) Base() (uint64, string, error) {
	var (
		seq  uint64
		hash string
	)
	err := j.db.View(func(tx *bolt.Tx) error {
		seq, hash = baseOf(tx)
		return nil
	})
	if err != nil {
		return 0, "", fmt.Errorf("journal: base: %w", err)
	}
	return seq, hash, nil
}

func baseOf(tx *bolt.Tx) (uint64, string) {
	meta := tx.Bucket(bMeta)
	return getUint(meta, kBaseSeq), string(meta.Get(kBaseHash))
}
