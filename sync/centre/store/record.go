package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"posagent/sync/wire"
)

// A stored record keeps the Txn supervisors see and, for audit, the entry
// exactly as the terminal sent it (its body bytes are not re-encoded, so
// the hash can be checked again later):
//
//	uvarint(len(txn JSON)) txn JSON  uvarint(len(hash)) hash  body

// storedRecord is one decoded value of the records bucket.
type storedRecord struct {
	Txn   Txn
	Entry wire.Entry
}

// errBadRecord means a stored value is not in the layout above.
var errBadRecord = errors.New("malformed stored record")

// encodeRecord lays a record out for the records bucket.
func encodeRecord(txn Txn, e wire.Entry) ([]byte, error) {
	tj, err := json.Marshal(txn)
	if err != nil {
		return nil, fmt.Errorf("encode record %s/%d: %w", txn.Terminal, txn.Seq, err)
	}
	b := make([]byte, 0, 2*binary.MaxVarintLen64+len(tj)+len(e.Hash)+len(e.Body))
	b = binary.AppendUvarint(b, uint64(len(tj)))
	b = append(b, tj...)
	b = binary.AppendUvarint(b, uint64(len(e.Hash)))
	b = append(b, e.Hash...)
	return append(b, e.Body...), nil
}

// decodeRecord reads a value of the records bucket. The entry's seq is the
// Txn's; the body is copied out of bbolt's memory.
func decodeRecord(v []byte) (storedRecord, error) {
	tj, rest, err := cutLen(v)
	if err != nil {
		return storedRecord{}, err
	}
	hash, body, err := cutLen(rest)
	if err != nil {
		return storedRecord{}, err
	}
	var r storedRecord
	if err := json.Unmarshal(tj, &r.Txn); err != nil {
		return storedRecord{}, fmt.Errorf("%w: txn: %v", errBadRecord, err)
	}
	r.Entry = wire.Entry{Seq: r.Txn.Seq, Hash: string(hash), Body: append([]byte(nil), body...)}
	return r, nil
}

// decodeTxn reads only the Txn of a stored record.
func decodeTxn(v []byte) (Txn, error) {
	tj, _, err := cutLen(v)
	if err != nil {
		return Txn{}, err
	}
	var t Txn
	if err := json.Unmarshal(tj, &t); err != nil {
		return Txn{}, fmt.Errorf("%w: txn: %v", errBadRecord, err)
	}
	return t, nil
}

// cutLen splits a uvarint-length-prefixed field off b.
func cutLen(b []byte) (field, rest []byte, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, errBadRecord
	}
	return b[k : k+int(n)], b[k+int(n):], nil
}
