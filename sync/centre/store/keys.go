package store

import (
	"encoding/binary"
	"time"
)

// Composite keys join names with a 0x00 separator (names never hold one:
// checkName and ledger.validate see to it) and encode numbers big-endian so
// that byte order is numeric order.

func encodeUint64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, v)
}

func decodeUint64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// timeKeyLen is the length of an encoded time.
const timeKeyLen = 12

// appendTime appends t so that byte order is time order: seconds since the
// epoch with the sign bit flipped, then nanoseconds.
func appendTime(b []byte, t time.Time) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

// recordKey is terminal 0 seq.
func recordKey(terminal string, seq uint64) []byte {
	b := make([]byte, 0, len(terminal)+9)
	b = append(b, terminal...)
	b = append(b, 0)
	return binary.BigEndian.AppendUint64(b, seq)
}

// prefixKey is name 0: the prefix of every key of one name in an index.
func prefixKey(name string) []byte {
	b := make([]byte, 0, len(name)+1)
	b = append(b, name...)
	return append(b, 0)
}

// indexKey is [name 0] at recordKey; an empty name gives the time index key.
func indexKey(name string, at time.Time, recKey []byte) []byte {
	b := make([]byte, 0, len(name)+1+timeKeyLen+len(recKey))
	if name != "" {
		b = append(b, name...)
		b = append(b, 0)
	}
	b = appendTime(b, at)
	return append(b, recKey...)
}

// terminalIndexKey is terminal 0 at seq: the records of one terminal in
// time order.
func terminalIndexKey(terminal string, at time.Time, seq uint64) []byte {
	b := prefixKey(terminal)
	b = appendTime(b, at)
	return binary.BigEndian.AppendUint64(b, seq)
}

// voidedKey is terminal 0 txn_id.
func voidedKey(terminal, txnID string) []byte {
	b := prefixKey(terminal)
	return append(b, txnID...)
}

// counterKey is card 0 counter: one card transaction counter a verified
// card proof used.
func counterKey(card string, counter uint64) []byte {
	return binary.BigEndian.AppendUint64(prefixKey(card), counter)
}
