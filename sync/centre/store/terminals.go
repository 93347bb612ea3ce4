package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// EnrolTerminal creates a terminal, or re-keys an enrolled one: its
// pharmacy, token hash and enrolment time are replaced, while its chain
// state (AckedSeq, LastHash) and reported versions are kept, so that
// re-enrolling never lets entries be applied twice.
func (b *Bolt) EnrolTerminal(ctx context.Context, t Terminal) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("enrol terminal %s: %w", t.ID, err)
	}
	if err := checkName("terminal id", t.ID); err != nil {
		return fmt.Errorf("enrol terminal: %w", err)
	}
	if err := checkName("pharmacy id", t.Pharmacy); err != nil {
		return fmt.Errorf("enrol terminal %s: %w", t.ID, err)
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketTerminals)
		var old Terminal
		err := getJSON(bk, []byte(t.ID), &old)
		switch {
		case err == nil:
			old.Pharmacy, old.TokenHash, old.EnrolledAt = t.Pharmacy, t.TokenHash, t.EnrolledAt
			t = old
		case !errors.Is(err, ErrNotFound):
			return err
		}
		return putJSON(bk, []byte(t.ID), t)
	})
	if err != nil {
		return fmt.Errorf("enrol terminal %s: %w", t.ID, err)
	}
	return nil
}

// Terminal returns one terminal, or ErrNotFound.
func (b *Bolt) Terminal(ctx context.Context, id string) (Terminal, error) {
	var t Terminal
	if err := ctx.Err(); err != nil {
		return t, fmt.Errorf("terminal %s: %w", id, err)
	}
	err := b.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketTerminals), []byte(id), &t)
	})
	if err != nil {
		return Terminal{}, fmt.Errorf("terminal %s: %w", id, err)
	}
	return t, nil
}

// Terminals lists every terminal, by id.
func (b *Bolt) Terminals(ctx context.Context) ([]Terminal, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("terminals: %w", err)
	}
	var ts []Terminal
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTerminals).ForEach(func(k, v []byte) error {
			var t Terminal
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decode %q: %w", k, err)
			}
			ts = append(ts, t)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("terminals: %w", err)
	}
	return ts, nil
}

// ReportVersions records what a terminal says it runs, and when it was
// seen; ErrNotFound for a terminal not enrolled.
func (b *Bolt) ReportVersions(ctx context.Context, id string, rules, blocklist int64, rulesErr string, seen time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("report versions of %s: %w", id, err)
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketTerminals)
		var t Terminal
		if err := getJSON(bk, []byte(id), &t); err != nil {
			return err
		}
		t.RulesVersion, t.BlocklistVersion, t.RulesError = rules, blocklist, rulesErr
		if seen.After(t.LastSeen) {
			t.LastSeen = seen
		}
		return putJSON(bk, []byte(id), t)
	})
	if err != nil {
		return fmt.Errorf("report versions of %s: %w", id, err)
	}
	return nil
}

// MarkJournalReplaced sets the terminal's JOURNAL_REPLACED mark unless an
// open one is there; see Store.
func (b *Bolt) MarkJournalReplaced(ctx context.Context, id string, m JournalMark) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("mark journal of %s: %w", id, err)
	}
	set := false
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketTerminals)
		var t Terminal
		if err := getJSON(bk, []byte(id), &t); err != nil {
			return err
		}
		if t.Journal.Open() {
			return nil
		}
		m.RebasedAt, m.RebasedBy, m.RebaseSeq, m.RebaseHash = time.Time{}, "", 0, ""
		t.Journal, set = &m, true
		return putJSON(bk, []byte(id), t)
	})
	if err != nil {
		return false, fmt.Errorf("mark journal of %s: %w", id, err)
	}
	return set, nil
}

// RebaseTerminal records the rebase of the terminal's open mark; see Store.
func (b *Bolt) RebaseTerminal(ctx context.Context, id, by string, at time.Time) (Terminal, error) {
	var t Terminal
	if err := ctx.Err(); err != nil {
		return t, fmt.Errorf("rebase terminal %s: %w", id, err)
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketTerminals)
		if err := getJSON(bk, []byte(id), &t); err != nil {
			return err
		}
		if !t.Journal.Open() {
			return ErrNotReplaced
		}
		m := *t.Journal
		m.RebasedAt, m.RebasedBy, m.RebaseSeq, m.RebaseHash = at, by, t.AckedSeq, t.LastHash
		t.Journal = &m
		return putJSON(bk, []byte(id), t)
	})
	if err != nil {
		return Terminal{}, fmt.Errorf("rebase terminal %s: %w", id, err)
	}
	return t, nil
}
