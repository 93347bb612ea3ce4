package journal

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// hashLen is the length of a hex SHA-256, which starts every stored entry.
const hashLen = 64

// encodeEntry is the stored form of an entry: its hash, then its body.
func encodeEntry(e wire.Entry) []byte {
	v := make([]byte, 0, hashLen+len(e.Body))
	v = append(v, e.Hash...)
	return append(v, e.Body...)
}

// decodeEntry copies a stored entry out of the transaction's memory.
func decodeEntry(seq uint64, v []byte) (wire.Entry, error) {
	if len(v) < hashLen {
		return wire.Entry{}, fmt.Errorf("entry %d: %w: stored value is %d bytes", seq, ErrChainBroken, len(v))
	}
	body := make([]byte, len(v)-hashLen)
	copy(body, v[hashLen:])
	return wire.Entry{Seq: seq, Hash: string(v[:hashLen]), Body: body}, nil
}

// getEntry reads the entry at seq.
func getEntry(tx *bolt.Tx, seq uint64) (wire.Entry, error) {
	v := tx.Bucket(bEntries).Get(u64(seq))
	if v == nil {
		return wire.Entry{}, fmt.Errorf("entry %d: %w", seq, ErrNotFound)
	}
	return decodeEntry(seq, v)
}

// getRecord reads and opens the entry at seq, checking its hash.
func getRecord(tx *bolt.Tx, seq uint64) (wire.Record, wire.Entry, error) {
	e, err := getEntry(tx, seq)
	if err != nil {
		return wire.Record{}, wire.Entry{}, err
	}
	rec, err := wire.Open(e)
	if err != nil {
		return wire.Record{}, wire.Entry{}, fmt.Errorf("%w: %w", ErrChainBroken, err)
	}
	return rec, e, nil
}

// oldestUnsynced returns the At of the first record after acked, or the
// zero time when every record up to last is acknowledged.
func oldestUnsynced(tx *bolt.Tx, acked, last uint64) (time.Time, error) {
	if last <= acked {
		return time.Time{}, nil
	}
	rec, _, err := getRecord(tx, acked+1)
	if err != nil {
		return time.Time{}, fmt.Errorf("oldest unsynced record: %w", err)
	}
	return rec.At, nil
}
