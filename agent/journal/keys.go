package journal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets; see the package comment for what each holds.
var (
	bMeta    = []byte("meta")
	bEntries = []byte("entries")
	bTxn     = []byte("txn")
	bIdem    = []byte("idem")
	bVoided  = []byte("voided")
	bCard    = []byte("card")
	bTime    = []byte("time")
	bSum     = []byte("sum")
	bCardSum = []byte("cardsum")
	bAnswers = []byte("answers")
	bState   = []byte("state")

	allBuckets = [][]byte{bMeta, bEntries, bTxn, bIdem, bVoided, bCard, bTime, bSum, bCardSum, bAnswers, bState}
)

// Keys of the meta bucket.
var (
	kFormat   = []byte("format")
	kTerminal = []byte("terminal")
	kLastSeq  = []byte("last_seq")
	kLastHash = []byte("last_hash")
	kAcked    = []byte("acked")
)

// Kind bytes stored as the value of the card and time indexes.
const (
	kindByteCharge  = 'c'
	kindByteVoid    = 'v'
	kindByteRefusal = 'r'
)

// Times a time key can hold: the range of int64 Unix nanoseconds.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// u64 encodes n as 8 big-endian bytes.
func u64(n uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n)
}

// getUint reads an 8-byte integer value; a missing or short value is 0.
func getUint(b *bolt.Bucket, key []byte) uint64 {
	v := b.Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// timeKey encodes t so that byte order is time order.
func timeKey(t time.Time) []byte {
	return u64(uint64(t.UnixNano()) ^ (1 << 63))
}

// cardPrefix is the length-prefixed card number that starts card keys.
func cardPrefix(cardNo string) []byte {
	p := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(cardNo)), uint16(len(cardNo)))
	return append(p, cardNo...)
}

// join concatenates key parts into a new slice.
func join(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}

// lastAtOrBefore positions c on the last key <= key.
func lastAtOrBefore(c *bolt.Cursor, key []byte) (k, v []byte) {
	k, v = c.Seek(key)
	switch {
	case k == nil:
		return c.Last()
	case bytes.Equal(k, key):
		return k, v
	default:
		return c.Prev()
	}
}

// sumAt returns the running sum stored under prefix at the last seq <= seq
// (0 when there is none). prefix is nil for the terminal sum.
func sumAt(b *bolt.Bucket, prefix []byte, seq uint64) int64 {
	if seq == 0 {
		return 0
	}
	k, v := lastAtOrBefore(b.Cursor(), join(prefix, u64(seq)))
	if k == nil || len(k) != len(prefix)+8 || !bytes.HasPrefix(k, prefix) || len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// putSum records the running sum under prefix after seq moved it by delta.
func putSum(b *bolt.Bucket, prefix []byte, seq uint64, delta int64) error {
	total := sumAt(b, prefix, seq) + delta
	if err := b.Put(join(prefix, u64(seq)), u64(uint64(total))); err != nil {
		return fmt.Errorf("put running sum: %w", err)
	}
	return nil
}

// getSeq decodes an 8-byte seq value.
func getSeq(v []byte) uint64 {
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// keySeq decodes the seq that ends a card or time index key.
func keySeq(k []byte) (uint64, bool) {
	if len(k) < 16 {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[len(k)-8:]), true
}
