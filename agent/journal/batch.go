package journal

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// AppendBatch journals recs in one durable transaction, each exactly as
// Append would: the next seq, the previous entry's hash, the same checks
// and indexes. It is all or nothing: on any error nothing is written and
// LastSeq is unchanged. It returns the records as stored.
//
// It is for bulk loads (an import, a test's or a benchmark's backlog). The
// sale path appends one record at a time so that each is durable before
// the POS is answered.
func (j *Journal) AppendBatch(recs []wire.Record) ([]wire.Record, error) {
	for i, rec := range recs {
		if err := validate(rec); err != nil {
			return nil, fmt.Errorf("journal: append batch: record %d (%s): %w", i, rec.Kind, err)
		}
	}
	if len(recs) == 0 {
		return nil, nil
	}
	j.wmu.Lock()
	defer j.wmu.Unlock()
	v := j.snapshot()
	out := make([]wire.Record, len(recs))
	var (
		lastHash string
		delta    int64
	)
	err := j.db.Update(func(tx *bolt.Tx) error {
		lastHash, delta = v.lastHash, 0
		for i, rec := range recs {
			rec.Terminal, rec.Seq, rec.PrevHash = j.terminal, v.lastSeq+uint64(i)+1, lastHash
			e, d, err := appendTx(tx, &rec)
			if err != nil {
				return fmt.Errorf("record %d (%s seq %d): %w", i, rec.Kind, rec.Seq, err)
			}
			out[i], lastHash, delta = rec, e.Hash, delta+d
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal: append batch of %d: %w", len(recs), err)
	}
	if v.lastSeq == v.acked {
		v.oldest = out[0].At
	}
	v.lastSeq, v.lastHash, v.sumLast = out[len(out)-1].Seq, lastHash, v.sumLast+delta
	j.setView(v)
	return out, nil
}
