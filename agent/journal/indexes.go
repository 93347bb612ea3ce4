package journal

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// putIndexes writes the indexes of a checked record and returns how much it
// moves the terminal's running exposure (charges add their account fen,
// voids take their refund off).
func putIndexes(tx *bolt.Tx, rec *wire.Record) (int64, error) {
	seq := u64(rec.Seq)
	var (
		kind  byte
		delta int64
	)
	switch rec.Kind {
	case wire.KindCharge:
		kind, delta = kindByteCharge, rec.Account
		if rec.IdempotencyKey != "" {
			if err := tx.Bucket(bIdem).Put([]byte(rec.IdempotencyKey), seq); err != nil {
				return 0, fmt.Errorf("put idempotency key: %w", err)
			}
		}
	case wire.KindVoid:
		kind, delta = kindByteVoid, -rec.Account
		if err := tx.Bucket(bVoided).Put([]byte(rec.Reverses), seq); err != nil {
			return 0, fmt.Errorf("put voided: %w", err)
		}
	case wire.KindRefusal:
		return 0, putTime(tx, rec, kindByteRefusal)
	default:
		return 0, nil
	}
	if err := tx.Bucket(bTxn).Put([]byte(rec.TxnID), seq); err != nil {
		return 0, fmt.Errorf("put txn: %w", err)
	}
	if err := putTime(tx, rec, kind); err != nil {
		return 0, err
	}
	card := cardPrefix(rec.CardNo)
	if err := tx.Bucket(bCard).Put(join(card, timeKey(rec.At), seq), []byte{kind}); err != nil {
		return 0, fmt.Errorf("put card index: %w", err)
	}
	if delta == 0 {
		return 0, nil
	}
	if err := putSum(tx.Bucket(bSum), nil, rec.Seq, delta); err != nil {
		return 0, fmt.Errorf("terminal: %w", err)
	}
	if err := putSum(tx.Bucket(bCardSum), card, rec.Seq, delta); err != nil {
		return 0, fmt.Errorf("card %s: %w", rec.CardNo, err)
	}
	return delta, nil
}

// putTime adds the record to the time index used by Day.
func putTime(tx *bolt.Tx, rec *wire.Record, kind byte) error {
	if err := tx.Bucket(bTime).Put(join(timeKey(rec.At), u64(rec.Seq)), []byte{kind}); err != nil {
		return fmt.Errorf("put time index: %w", err)
	}
	return nil
}
