package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// Apply applies a terminal's entries in one bbolt transaction: records,
// indexes, balances and the terminal's chain state commit together or not
// at all. What happens to each entry is ledger.Decide's and ledger.Settle's
// decision:
//
//   - Duplicate (seq ≤ AckedSeq, stored with the same hash): skipped; for a
//     charge or void its stored settlement is returned again, so an agent
//     that lost an ack gets its answers on the retry.
//   - Conflict (seq ≤ AckedSeq, stored with another hash): skipped, no
//     settlement; the stored record gains CHAIN_BROKEN (the terminal
//     rewrote what the centre holds) and a warning is logged.
//   - A late entry (seq ≤ AckedSeq, not stored: it fills a flagged gap) is
//     applied once, flagged CHAIN_BROKEN; AckedSeq does not move.
//   - A refused entry (ledger.ErrRefused: another terminal's body, an
//     undecodable or malformed body) fails the whole batch, whatever its
//     seq.
//
// An unknown terminal is an error wrapping ErrNotFound. Results hold one
// settlement per charge or void applied now or returned again, in entry
// order; entries need not be sorted or unique. Flags and conflicts are
// logged (Warn) once the transaction has committed.
func (b *Bolt) Apply(ctx context.Context, terminal string, entries []wire.Entry, j Judging) (ApplyResult, error) {
	if err := ctx.Err(); err != nil {
		return ApplyResult{}, fmt.Errorf("apply %s: %w", terminal, err)
	}
	var (
		res      ApplyResult
		findings []finding
	)
	err := b.db.Update(func(tx *bolt.Tx) error {
		a, err := newApplier(tx, terminal, j)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := a.entry(e); err != nil {
				return err
			}
		}
		res, err = a.finish()
		findings = a.findings
		return err
	})
	if err != nil {
		return ApplyResult{}, fmt.Errorf("apply %s: %w", terminal, err)
	}
	for _, f := range findings {
		b.log.Warn(f.msg, "terminal", terminal, "seq", f.seq, "txn_id", f.txnID, "flags", f.flags)
	}
	return res, nil
}

// finding is something supervisors' logs should show, logged after commit.
type finding struct {
	msg   string
	seq   uint64
	txnID string
	flags []string
}

// acceptedRef clears the hold of the charge reference at key when it is
// the record at seq: a void of an accepted charge refunds all of it.
func acceptedRef(charges *bolt.Bucket, key []byte, seq uint64) error {
	raw := charges.Get(key)
	if raw == nil {
		return nil
	}
	var ref chargeRef
	if err := json.Unmarshal(raw, &ref); err != nil {
		return fmt.Errorf("charge reference: %w", err)
	}
	if ref.Seq != seq {
		return nil
	}
	ref.Held = 0
	raw, err := json.Marshal(ref)
	if err != nil {
		return err
	}
	return charges.Put(key, raw)
}

// updateRecord rewrites the Txn of the stored record at key with edit,
// keeping the entry as the terminal sent it and the queue's indexes in
// step (review.go); edit returns false to leave it as it
// was.
func updateRecord(records *bolt.Bucket, key []byte, edit func(*Txn) bool) error {
	v := records.Get(key)
	if v == nil {
		return fmt.Errorf("record %q: %w", key, ErrNotFound)
	}
	r, err := decodeRecord(v)
	if err != nil {
		return fmt.Errorf("record %q: %w", key, err)
	}
	before := r.Txn
	before.Flags = slices.Clone(before.Flags)
	if !edit(&r.Txn) {
		return nil
	}
	val, err := encodeRecord(r.Txn, r.Entry)
	if err != nil {
		return err
	}
	if err := records.Put(key, val); err != nil {
		return err
	}
	return reindex(records.Tx(), key, before, r.Txn)
}
