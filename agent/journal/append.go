package journal

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// maxKeyLen bounds txn ids, idempotency keys and state keys.
const maxKeyLen = 1024

// Append journals rec durably. It sets rec.Terminal, rec.Seq (the last seq
// plus one) and rec.PrevHash, seals the record and commits it with its
// indexes in one transaction, and returns the record and entry as stored.
//
// Charges and voids need a txn_id unique among charges and voids
// (ErrDuplicateTxn). A charge's non-empty idempotency key must be new
// (ErrDuplicateKey). A void's Reverses must name a charge (ErrNotFound,
// ErrVoidTarget) not voided yet (ErrAlreadyVoided) and refund exactly the
// charge's account fen; an empty CardNo is filled in from the charge. On any
// error nothing is written and LastSeq is unchanged.
func (j *Journal) Append(rec wire.Record) (wire.Record, wire.Entry, error) {
	return j.AppendWith(rec, nil)
}

// AppendWith is Append with a last step: prepare is called with the record
// as it will be sealed (Terminal, Seq and PrevHash set) before anything is
// written, and may complete it, e.g. with the card's signature over the
// charge, which covers the sequence number. prepare runs under the
// journal's write lock, so every other append waits for it: it must be
// bounded. An error from prepare writes nothing and is returned as is.
func (j *Journal) AppendWith(rec wire.Record, prepare func(*wire.Record) error) (wire.Record, wire.Entry, error) {
	if err := validate(rec); err != nil {
		return wire.Record{}, wire.Entry{}, fmt.Errorf("journal: append %s: %w", rec.Kind, err)
	}
	j.wmu.Lock()
	defer j.wmu.Unlock()
	v := j.snapshot()
	rec.Terminal, rec.Seq, rec.PrevHash = j.terminal, v.lastSeq+1, v.lastHash
	if prepare != nil {
		if err := prepare(&rec); err != nil {
			return wire.Record{}, wire.Entry{}, err
		}
		err := validate(rec)
		if err == nil && (rec.Terminal != j.terminal || rec.Seq != v.lastSeq+1 || rec.PrevHash != v.lastHash) {
			err = errors.New("prepare changed the record's terminal, seq or prev_hash")
		}
		if err != nil {
			return wire.Record{}, wire.Entry{}, fmt.Errorf("journal: append %s: %w", rec.Kind, err)
		}
	}
	var (
		e     wire.Entry
		delta int64
	)
	err := j.db.Update(func(tx *bolt.Tx) error {
		var err error
		e, delta, err = appendTx(tx, &rec)
		if err == nil && len(e.Body) > MaxBody {
			// It could never be synced: the centre refuses the message
			// and the outbox would stall on it.
			err = fmt.Errorf("%w: %d bytes", ErrTooLarge, len(e.Body))
		}
		return err
	})
	if err != nil {
		return wire.Record{}, wire.Entry{}, fmt.Errorf("journal: append %s seq %d: %w", rec.Kind, rec.Seq, err)
	}
	if v.lastSeq == v.acked {
		v.oldest = rec.At
	}
	v.lastSeq, v.lastHash, v.sumLast = rec.Seq, e.Hash, v.sumLast+delta
	j.setView(v)
	return rec, e, nil
}

// validate checks what can be checked without the file.
func validate(rec wire.Record) error {
	switch rec.Kind {
	case wire.KindCharge, wire.KindVoid, wire.KindQuote, wire.KindRefusal:
	default:
		return fmt.Errorf("unknown record kind %q", rec.Kind)
	}
	if rec.At.IsZero() || rec.At.Before(minTime) || rec.At.After(maxTime) {
		return fmt.Errorf("record time %v out of range", rec.At)
	}
	for _, key := range []string{rec.CardNo, rec.TxnID, rec.IdempotencyKey, rec.Reverses} {
		if len(key) > maxKeyLen {
			return fmt.Errorf("card_no, txn_id, idempotency_key or reverses longer than %d bytes", maxKeyLen)
		}
	}
	if rec.Kind != wire.KindCharge && rec.Kind != wire.KindVoid {
		return nil
	}
	switch {
	case rec.TxnID == "":
		return errors.New("no txn_id")
	case rec.Account < 0:
		return fmt.Errorf("negative account amount %d fen", rec.Account)
	case rec.Kind == wire.KindCharge && rec.CardNo == "":
		return errors.New("charge without card_no")
	case rec.Kind == wire.KindVoid && rec.Reverses == "":
		return errors.New("void without reverses")
	}
	return nil
}

// appendTx checks rec against the file, seals it and writes the entry, the
// meta counters and the indexes. It returns the entry and the change to
// the terminal's running exposure.
func appendTx(tx *bolt.Tx, rec *wire.Record) (wire.Entry, int64, error) {
	var err error
	switch rec.Kind {
	case wire.KindCharge:
		err = checkCharge(tx, rec)
	case wire.KindVoid:
		err = checkVoid(tx, rec)
	}
	if err != nil {
		return wire.Entry{}, 0, err
	}
	e, err := wire.Seal(*rec)
	if err != nil {
		return wire.Entry{}, 0, err
	}
	seq := u64(rec.Seq)
	if err := tx.Bucket(bEntries).Put(seq, encodeEntry(e)); err != nil {
		return wire.Entry{}, 0, fmt.Errorf("put entry: %w", err)
	}
	meta := tx.Bucket(bMeta)
	if err := meta.Put(kLastSeq, seq); err != nil {
		return wire.Entry{}, 0, fmt.Errorf("put last seq: %w", err)
	}
	if err := meta.Put(kLastHash, []byte(e.Hash)); err != nil {
		return wire.Entry{}, 0, fmt.Errorf("put last hash: %w", err)
	}
	delta, err := putIndexes(tx, rec)
	return e, delta, err
}

// checkCharge refuses a reused idempotency key or txn id.
func checkCharge(tx *bolt.Tx, rec *wire.Record) error {
	if rec.IdempotencyKey != "" && tx.Bucket(bIdem).Get([]byte(rec.IdempotencyKey)) != nil {
		return fmt.Errorf("key %q: %w", rec.IdempotencyKey, ErrDuplicateKey)
	}
	if tx.Bucket(bTxn).Get([]byte(rec.TxnID)) != nil {
		return fmt.Errorf("txn %s: %w", rec.TxnID, ErrDuplicateTxn)
	}
	return nil
}

// checkVoid checks the void's target and fills in its card number.
func checkVoid(tx *bolt.Tx, rec *wire.Record) error {
	if tx.Bucket(bTxn).Get([]byte(rec.TxnID)) != nil {
		return fmt.Errorf("txn %s: %w", rec.TxnID, ErrDuplicateTxn)
	}
	seq := tx.Bucket(bTxn).Get([]byte(rec.Reverses))
	if len(seq) != 8 {
		return fmt.Errorf("void of %s: %w", rec.Reverses, ErrNotFound)
	}
	target, _, err := getRecord(tx, getSeq(seq))
	if err != nil {
		return fmt.Errorf("void of %s: %w", rec.Reverses, err)
	}
	switch {
	case target.Kind != wire.KindCharge:
		return fmt.Errorf("void of %s, a %s: %w", rec.Reverses, target.Kind, ErrVoidTarget)
	case tx.Bucket(bVoided).Get([]byte(rec.Reverses)) != nil:
		return fmt.Errorf("void of %s: %w", rec.Reverses, ErrAlreadyVoided)
	case rec.CardNo != "" && rec.CardNo != target.CardNo:
		return fmt.Errorf("void of %s on card %s, charged to %s: %w", rec.Reverses, rec.CardNo, target.CardNo, ErrVoidTarget)
	case rec.Account != target.Account:
		return fmt.Errorf("void of %s refunds %d fen, the charge took %d", rec.Reverses, rec.Account, target.Account)
	}
	rec.CardNo = target.CardNo
	return nil
}
