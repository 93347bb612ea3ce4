package store

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// Reconciliation is the outcome of one terminal-day's daily reconciliation
// (对账): the agent's summary of its journal, the centre's summary of the
// records it holds for the same window, and how they differ.
type Reconciliation struct {
	Terminal    string          `json:"terminal"`
	Pharmacy    string          `json:"pharmacy"`
	Day         string          `json:"day"` // YYYY-MM-DD in the terminal's zone
	Match       bool            `json:"match"`
	Differences []string        `json:"differences"` // "what: agent X, centre Y"
	Agent       wire.DaySummary `json:"agent"`
	Centre      wire.DaySummary `json:"centre"`
	At          time.Time       `json:"at"` // when the centre compared
}

// ReconciliationFilter selects reconciliations. Zero fields match
// everything.
type ReconciliationFilter struct {
	Terminal string
	Pharmacy string
	Day      string // YYYY-MM-DD
	Mismatch bool   // only those that did not match
	Limit    int    // 0: a default of 1000
}

func (f ReconciliationFilter) match(r Reconciliation) bool {
	return (f.Terminal == "" || r.Terminal == f.Terminal) &&
		(f.Pharmacy == "" || r.Pharmacy == f.Pharmacy) &&
		(f.Day == "" || r.Day == f.Day) &&
		(!f.Mismatch || !r.Match)
}

// reconKey is day 0 terminal, so a reverse walk lists the newest day first.
func reconKey(day, terminal string) []byte {
	return append(prefixKey(day), terminal...)
}

// PutReconciliation stores r under (day, terminal), replacing what was
// there, and keeps the index of mismatches in step.
func (b *Bolt) PutReconciliation(ctx context.Context, r Reconciliation) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put reconciliation: %w", err)
	}
	if err := checkName("terminal", r.Terminal); err != nil {
		return fmt.Errorf("put reconciliation: %w", err)
	}
	if _, err := time.Parse(time.DateOnly, r.Day); err != nil {
		return fmt.Errorf("put reconciliation of %s: day %q is not YYYY-MM-DD", r.Terminal, r.Day)
	}
	key := reconKey(r.Day, r.Terminal)
	err := b.db.Update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bucketRecon), key, r); err != nil {
			return err
		}
		if r.Match {
			return tx.Bucket(bucketReconBad).Delete(key)
		}
		return tx.Bucket(bucketReconBad).Put(key, nil)
	})
	if err != nil {
		return fmt.Errorf("put reconciliation of %s on %s: %w", r.Terminal, r.Day, err)
	}
	return nil
}

// Reconciliations walks the results, or only the mismatches' index when f
// asks for mismatches, from the newest day back (only that day's keys when
// f names one), and returns those matching f, at most f.Limit (default
// 1000). The terminal is matched on the key, before decoding.
func (b *Bolt) Reconciliations(ctx context.Context, f ReconciliationFilter) ([]Reconciliation, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reconciliations: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	out := []Reconciliation{}
	err := b.db.View(func(tx *bolt.Tx) error {
		results := tx.Bucket(bucketRecon)
		walk := results
		if f.Mismatch {
			walk = tx.Bucket(bucketReconBad)
		}
		c := walk.Cursor()
		var prefix []byte
		k, _ := c.Last()
		if f.Day != "" {
			prefix = prefixKey(f.Day)
			upper := bytes.Clone(prefix)
			upper[len(upper)-1]++
			k, _ = seekBefore(c, upper)
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, _ = c.Prev() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if f.Terminal != "" && !bytes.HasSuffix(k, append([]byte{0}, f.Terminal...)) {
				continue
			}
			var r Reconciliation
			if err := getJSON(results, k, &r); err != nil {
				return fmt.Errorf("reconciliation %q: %w", k, err)
			}
			if f.match(r) {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reconciliations: %w", err)
	}
	return out, nil
}
