package store

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"posagent/policy"
)

// ImportAccounts inserts or replaces the given accounts, balances included,
// in one transaction: all of them or none.
func (b *Bolt) ImportAccounts(ctx context.Context, accounts []policy.Holder) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("import accounts: %w", err)
	}
	for _, h := range accounts {
		if err := checkName("card number", h.CardNo); err != nil {
			return fmt.Errorf("import accounts: %w", err)
		}
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketAccounts)
		for _, h := range accounts {
			if err := putJSON(bk, []byte(h.CardNo), h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import accounts: %w", err)
	}
	return nil
}

// SetBlocked sets the blocked mark of the stored accounts among cards, in
// one transaction that reads and writes each account.
func (b *Bolt) SetBlocked(ctx context.Context, cards []string, blocked bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("set blocked: %w", err)
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketAccounts)
		for _, c := range cards {
			var h policy.Holder
			err := getJSON(bk, []byte(c), &h)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if h.Blocked != blocked {
				h.Blocked = blocked
				if err := putJSON(bk, []byte(c), h); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set blocked: %w", err)
	}
	return nil
}

// Account returns the account of a card, or ErrNotFound.
func (b *Bolt) Account(ctx context.Context, cardNo string) (policy.Holder, error) {
	var h policy.Holder
	if err := ctx.Err(); err != nil {
		return h, fmt.Errorf("account %s: %w", cardNo, err)
	}
	err := b.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketAccounts), []byte(cardNo), &h)
	})
	if err != nil {
		return policy.Holder{}, fmt.Errorf("account %s: %w", cardNo, err)
	}
	return h, nil
}
