package journal

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// Verify checks the whole file, as `bbolt check` does for pages and as the
// centre does for the chain: bbolt's own page consistency; entry seqs
// contiguous from 1, or from the base after a Rebase (ErrChainGap names the missing seqs); every body hashing
// to its hash, carrying its own seq and terminal and linking to the previous
// hash (ErrChainBroken names the seq); the meta counters agreeing with the
// last entry; and the running sums agreeing with a recount. It returns the
// first problem found, or nil.
func (j *Journal) Verify() error {
	err := j.db.View(func(tx *bolt.Tx) error {
		if err := checkPages(tx); err != nil {
			return err
		}
		sums := newRecount(tx)
		last, lastHash, err := j.verifyChain(tx, sums)
		if err != nil {
			return err
		}
		if err := verifyMeta(tx, last, lastHash); err != nil {
			return err
		}
		// Sums are derived, so they are reported only when the chain is
		// sound: an edited record would otherwise show up as a sum first.
		return sums.err
	})
	if err != nil {
		return fmt.Errorf("journal: verify %s: %w", j.path, err)
	}
	return nil
}

// checkPages runs bbolt's consistency check and returns its first finding.
func checkPages(tx *bolt.Tx) error {
	var first error
	for err := range tx.Check() {
		if first == nil {
			first = fmt.Errorf("bbolt check: %w", err)
		}
	}
	return first
}

// verifyChain walks the entries in order, folding each record into sums,
// and returns the last seq and hash.
func (j *Journal) verifyChain(tx *bolt.Tx, sums *recount) (uint64, string, error) {
	baseSeq, prevHash := baseOf(tx)
	want := baseSeq + 1
	c := tx.Bucket(bEntries).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return 0, "", fmt.Errorf("%w: entry key %x is not a seq", ErrChainBroken, k)
		}
		seq := getSeq(k)
		if seq != want {
			return 0, "", fmt.Errorf("%w: entries %d to %d missing", ErrChainGap, want, seq-1)
		}
		e, err := decodeEntry(seq, v)
		if err != nil {
			return 0, "", err
		}
		rec, err := j.verifyEntry(e, prevHash)
		if err != nil {
			return 0, "", err
		}
		sums.add(rec)
		prevHash = e.Hash
		want++
	}
	return want - 1, prevHash, nil
}

// verifyEntry checks one entry's hash, seq, terminal and link.
func (j *Journal) verifyEntry(e wire.Entry, prevHash string) (wire.Record, error) {
	var rec wire.Record
	switch {
	case wire.HashBody(e.Body) != e.Hash:
		return rec, fmt.Errorf("entry %d: %w: body does not hash to its hash", e.Seq, ErrChainBroken)
	case json.Unmarshal(e.Body, &rec) != nil:
		return rec, fmt.Errorf("entry %d: %w: body is not a record", e.Seq, ErrChainBroken)
	case rec.Seq != e.Seq:
		return rec, fmt.Errorf("entry %d: %w: body says seq %d", e.Seq, ErrChainBroken, rec.Seq)
	case rec.Terminal != j.terminal:
		return rec, fmt.Errorf("entry %d: %w: body says terminal %q", e.Seq, ErrChainBroken, rec.Terminal)
	case rec.PrevHash != prevHash:
		return rec, fmt.Errorf("entry %d: %w: prev_hash does not link to entry %d", e.Seq, ErrChainBroken, e.Seq-1)
	}
	return rec, nil
}

// verifyMeta checks the meta counters against the walked chain.
func verifyMeta(tx *bolt.Tx, last uint64, lastHash string) error {
	meta := tx.Bucket(bMeta)
	switch metaLast := getUint(meta, kLastSeq); {
	case metaLast > last:
		return fmt.Errorf("%w: entries %d to %d missing at the end", ErrChainGap, last+1, metaLast)
	case metaLast < last:
		return fmt.Errorf("meta last_seq %d, but entries run to %d", metaLast, last)
	case string(meta.Get(kLastHash)) != lastHash:
		return fmt.Errorf("entry %d: %w: meta last_hash differs from the entry's hash", last, ErrChainBroken)
	case getUint(meta, kAcked) > last:
		return fmt.Errorf("meta acked %d beyond last seq %d", getUint(meta, kAcked), last)
	}
	return nil
}

// recount recomputes the running sums while the chain is walked and
// compares them with the stored ones.
type recount struct {
	sum, cardSum *bolt.Bucket
	terminal     int64
	cards        map[string]int64
	err          error // the first disagreement
}

func newRecount(tx *bolt.Tx) *recount {
	return &recount{sum: tx.Bucket(bSum), cardSum: tx.Bucket(bCardSum), cards: map[string]int64{}}
}

// add folds one record in and checks the stored sums at its seq.
func (r *recount) add(rec wire.Record) {
	if err := r.check(rec); err != nil && r.err == nil {
		r.err = err
	}
}

// check folds one record in and compares the stored sums at its seq.
func (r *recount) check(rec wire.Record) error {
	var delta int64
	switch rec.Kind {
	case wire.KindCharge:
		delta = rec.Account
	case wire.KindVoid:
		delta = -rec.Account
	}
	if delta == 0 {
		return nil
	}
	r.terminal += delta
	r.cards[rec.CardNo] += delta
	if got := sumAt(r.sum, nil, rec.Seq); got != r.terminal {
		return fmt.Errorf("entry %d: running terminal sum %d, recount %d", rec.Seq, got, r.terminal)
	}
	if got := sumAt(r.cardSum, cardPrefix(rec.CardNo), rec.Seq); got != r.cards[rec.CardNo] {
		return fmt.Errorf("entry %d: running sum of card %s is %d, recount %d", rec.Seq, rec.CardNo, got, r.cards[rec.CardNo])
	}
	return nil
}
