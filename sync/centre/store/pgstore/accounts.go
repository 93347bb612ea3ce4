package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"posagent/policy"
	"posagent/sync/centre/store"
)

// accountColumns are the accounts table's columns, in policy.Holder order.
var accountColumns = []string{"card_no", "person_id", "name", "status", "balance", "diseases", "pharmacy", "blocked"}

// ImportAccounts inserts or replaces the given accounts, balances included,
// in one transaction: all of them or none. When a card appears twice, the
// last one wins. The rows are copied into a temporary table and merged in
// card order, the order Apply locks accounts in.
func (s *Store) ImportAccounts(ctx context.Context, accounts []policy.Holder) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("import accounts: %w", err)
	}
	hs, err := importable(accounts)
	if err != nil {
		return fmt.Errorf("import accounts: %w", err)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "CREATE TEMPORARY TABLE accounts_import (LIKE accounts) ON COMMIT DROP"); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"accounts_import"}, accountColumns,
			pgx.CopyFromSlice(len(hs), func(i int) ([]any, error) {
				h := hs[i]
				return []any{h.CardNo, h.PersonID, h.Name, h.Status, h.Balance, diseases(h.Diseases), h.Pharmacy, h.Blocked}, nil
			}))
		if err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO accounts SELECT * FROM accounts_import ORDER BY card_no
			ON CONFLICT (card_no) DO UPDATE SET person_id = excluded.person_id, name = excluded.name,
				status = excluded.status, balance = excluded.balance, diseases = excluded.diseases,
				pharmacy = excluded.pharmacy, blocked = excluded.blocked`)
		return err
	})
	if err != nil {
		return fmt.Errorf("import accounts: %w", err)
	}
	return nil
}

// importable checks every account and returns them sorted by card, the
// last of each card only.
func importable(accounts []policy.Holder) ([]policy.Holder, error) {
	last := make(map[string]int, len(accounts))
	for i, h := range accounts {
		if err := checkHolder(h); err != nil {
			return nil, err
		}
		last[h.CardNo] = i
	}
	hs := make([]policy.Holder, 0, len(last))
	for i, h := range accounts {
		if last[h.CardNo] == i {
			hs = append(hs, h)
		}
	}
	slices.SortFunc(hs, func(a, b policy.Holder) int { return cmp.Compare(a.CardNo, b.CardNo) })
	return hs, nil
}

// checkHolder rejects an account PostgreSQL cannot store as given.
func checkHolder(h policy.Holder) error {
	if err := checkName("card number", h.CardNo); err != nil {
		return err
	}
	fields := []struct{ what, v string }{{"person id", h.PersonID}, {"name", h.Name}, {"status", h.Status}, {"pharmacy", h.Pharmacy}}
	for _, f := range fields {
		if err := checkText(f.what, f.v); err != nil {
			return fmt.Errorf("account %s: %w", h.CardNo, err)
		}
	}
	for _, d := range h.Diseases {
		if err := checkText("disease", d); err != nil {
			return fmt.Errorf("account %s: %w", h.CardNo, err)
		}
	}
	return nil
}

// diseases is never NULL in the table.
func diseases(ds []string) []string {
	if ds == nil {
		return []string{}
	}
	return ds
}

// Account returns the account of a card, or ErrNotFound.
func (s *Store) Account(ctx context.Context, cardNo string) (policy.Holder, error) {
	if err := ctx.Err(); err != nil {
		return policy.Holder{}, fmt.Errorf("account %s: %w", cardNo, err)
	}
	if !storable(cardNo) {
		return policy.Holder{}, fmt.Errorf("account %s: %w", cardNo, store.ErrNotFound)
	}
	var h policy.Holder
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, _ := c.Query(ctx, "SELECT card_no, person_id, name, status, balance, diseases, pharmacy, blocked FROM accounts WHERE card_no = $1", cardNo)
		var err error
		h, err = pgx.CollectExactlyOneRow(rows, scanHolder)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return policy.Holder{}, fmt.Errorf("account %s: %w", cardNo, err)
	}
	return h, nil
}

// scanHolder reads a row of accountColumns.
func scanHolder(row pgx.CollectableRow) (policy.Holder, error) {
	var h policy.Holder
	err := row.Scan(&h.CardNo, &h.PersonID, &h.Name, &h.Status, &h.Balance, &h.Diseases, &h.Pharmacy, &h.Blocked)
	if len(h.Diseases) == 0 {
		h.Diseases = nil
	}
	return h, err
}

// SetBlocked sets the blocked mark of the stored accounts among cards; the
// balance is not touched, so a charge applied meanwhile by any centre is
// kept.
func (s *Store) SetBlocked(ctx context.Context, cards []string, blocked bool) error {
	if len(cards) == 0 {
		return nil
	}
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "UPDATE accounts SET blocked = $2 WHERE card_no = ANY($1) AND blocked <> $2", cards, blocked)
		return err
	})
	if err != nil {
		return fmt.Errorf("set blocked: %w", err)
	}
	return nil
}
