package journal

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// PutAnswer stores the JSON answer given to the POS for an idempotency key,
// so a retried charge gets the same answer. It is its own transaction,
// written after the charge was answered.
func (j *Journal) PutAnswer(key string, answer []byte) error {
	if err := j.put(bAnswers, key, answer); err != nil {
		return fmt.Errorf("journal: put answer %q: %w", key, err)
	}
	return nil
}

// Answer returns the answer stored for an idempotency key (ErrNotFound).
func (j *Journal) Answer(key string) ([]byte, error) {
	v, err := j.get(bAnswers, key)
	if err != nil {
		return nil, fmt.Errorf("journal: answer %q: %w", key, err)
	}
	return v, nil
}

// PutState stores a small durable value (the active bundle, the blocklist,
// the account cache, the last contact with the centre).
func (j *Journal) PutState(key string, val []byte) error {
	if err := j.put(bState, key, val); err != nil {
		return fmt.Errorf("journal: put state %q: %w", key, err)
	}
	return nil
}

// State returns a value stored with PutState (ErrNotFound).
func (j *Journal) State(key string) ([]byte, error) {
	v, err := j.get(bState, key)
	if err != nil {
		return nil, fmt.Errorf("journal: state %q: %w", key, err)
	}
	return v, nil
}

// put writes one key in its own durable transaction.
func (j *Journal) put(bucket []byte, key string, val []byte) error {
	if key == "" || len(key) > maxKeyLen {
		return fmt.Errorf("key must be 1 to %d bytes", maxKeyLen)
	}
	return j.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put([]byte(key), val)
	})
}

// get copies one value out of the file.
func (j *Journal) get(bucket []byte, key string) ([]byte, error) {
	var out []byte
	err := j.db.View(func(tx *bolt.Tx) error {
		// A cursor tells an empty value from a missing key; Get does not.
		k, v := tx.Bucket(bucket).Cursor().Seek([]byte(key))
		if k == nil || string(k) != key {
			return ErrNotFound
		}
		out = append([]byte{}, v...)
		return nil
	})
	return out, err
}
