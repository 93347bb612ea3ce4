package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// voucherColumns are the columns scanVoucher reads, in its order.
const voucherColumns = `token, card_no, issued_at, expires_at, coalesce(redeemed_by, ''), redeemed_at,
	coalesce(used_by, ''), coalesce(used_seq, 0)`

// scanVoucher reads one row of voucherColumns; ErrNotFound for none.
func scanVoucher(row pgx.Row) (store.Voucher, error) {
	var (
		v        store.Voucher
		redeemed *time.Time
		usedSeq  int64
	)
	err := row.Scan(&v.Token, &v.CardNo, &v.IssuedAt, &v.ExpiresAt, &v.RedeemedBy, &redeemed, &v.UsedBy, &usedSeq)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Voucher{}, store.ErrNotFound
	}
	if err != nil {
		return store.Voucher{}, err
	}
	if redeemed != nil {
		v.RedeemedAt = *redeemed
	}
	v.UsedSeq = uint64(usedSeq)
	return v, nil
}

// PutVoucher stores a newly issued voucher.
func (s *Store) PutVoucher(ctx context.Context, v store.Voucher) error {
	if err := checkNewVoucher(v); err != nil {
		return err
	}
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO vouchers (token, card_no, issued_at, expires_at) VALUES ($1, $2, $3, $4)`,
			v.Token, v.CardNo, v.IssuedAt, v.ExpiresAt)
		return err
	})
	if hasCode(err, codeUnique) {
		err = store.ErrVoucherExists
	}
	if err != nil {
		return fmt.Errorf("issue e-voucher for card %s: %w", v.CardNo, err)
	}
	return nil
}

// checkNewVoucher is store.CheckNewVoucher with this store's text rules
// for the card number.
func checkNewVoucher(v store.Voucher) error {
	if err := store.CheckNewVoucher(v); err != nil {
		return err
	}
	if err := checkName("card number", v.CardNo); err != nil {
		return fmt.Errorf("issue e-voucher: %w", err)
	}
	return nil
}

// Voucher returns one voucher, or ErrNotFound.
func (s *Store) Voucher(ctx context.Context, token string) (store.Voucher, error) {
	if !storable(token) {
		return store.Voucher{}, fmt.Errorf("e-voucher: %w", store.ErrNotFound)
	}
	var v store.Voucher
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		var err error
		v, err = scanVoucher(c.QueryRow(ctx, `SELECT `+voucherColumns+` FROM vouchers WHERE token = $1`, token))
		return err
	})
	if err != nil {
		return store.Voucher{}, fmt.Errorf("e-voucher: %w", err)
	}
	return v, nil
}

// RedeemVoucher redeems r.Token for r.Terminal, once, and logs the
// attempt, in one transaction; the voucher's row is locked first, so of
// two terminals redeeming it at once the second sees the first's
// redemption.
func (s *Store) RedeemVoucher(ctx context.Context, r store.Redemption) (store.Voucher, error) {
	if err := checkName("terminal", r.Terminal); err != nil {
		return store.Voucher{}, fmt.Errorf("redeem e-voucher: %w", err)
	}
	if err := checkText("pharmacy", r.Pharmacy); err != nil {
		return store.Voucher{}, fmt.Errorf("redeem e-voucher: %w", err)
	}
	if err := wire.CheckVoucherToken(r.Token); err != nil {
		return store.Voucher{}, fmt.Errorf("redeem e-voucher: %w", err)
	}
	var (
		v       store.Voucher
		refusal error
	)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		v, refusal = store.Voucher{}, nil
		v, err = scanVoucher(tx.QueryRow(ctx, `SELECT `+voucherColumns+` FROM vouchers WHERE token = $1 FOR UPDATE`, r.Token))
		switch {
		case errors.Is(err, store.ErrNotFound):
			v, refusal = store.Voucher{}, store.ErrVoucherUnknown
		case err != nil:
			return err
		default:
			if refusal = store.CheckRedemption(v, r.At); refusal == nil {
				if _, err := tx.Exec(ctx, `UPDATE vouchers SET redeemed_by = $2, redeemed_at = $3 WHERE token = $1`,
					r.Token, r.Terminal, r.At); err != nil {
					return err
				}
				v.RedeemedBy, v.RedeemedAt = r.Terminal, r.At
			}
		}
		return insertLookup(ctx, tx, store.RedemptionLog(r, v, refusal))
	})
	if err != nil {
		return store.Voucher{}, fmt.Errorf("redeem e-voucher by %s: %w", r.Terminal, err)
	}
	if refusal != nil {
		return v, fmt.Errorf("redeem e-voucher by %s: %w", r.Terminal, refusal)
	}
	return v, nil
}

// UseVoucher does VoucherTx.UseVoucher in a transaction of its own.
func (s *Store) UseVoucher(ctx context.Context, u store.VoucherUse) error {
	return s.inTx(ctx, func(tx pgx.Tx) error { return useVoucher(ctx, tx, u) })
}

// UseVoucher is VoucherTx.UseVoucher inside the Apply transaction.
func (a *applier) UseVoucher(ctx context.Context, u store.VoucherUse) error {
	return useVoucher(ctx, a.tx, u)
}

var _ store.VoucherTx = (*applier)(nil)

// useVoucher checks and marks a voucher's use in tx, its row locked.
func useVoucher(ctx context.Context, tx pgx.Tx, u store.VoucherUse) error {
	wrap := func(err error) error { return fmt.Errorf("use e-voucher for %s/%d: %w", u.Terminal, u.Seq, err) }
	if !storable(u.Token) {
		return wrap(store.ErrVoucherUnknown)
	}
	v, err := scanVoucher(tx.QueryRow(ctx, `SELECT `+voucherColumns+` FROM vouchers WHERE token = $1 FOR UPDATE`, u.Token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return wrap(store.ErrVoucherUnknown)
	case err != nil:
		return wrap(err)
	}
	mark, err := store.CheckVoucherUse(v, u)
	if err != nil {
		return wrap(err)
	}
	if mark {
		if _, err := tx.Exec(ctx, `UPDATE vouchers SET used_by = $2, used_seq = $3 WHERE token = $1`,
			u.Token, u.Terminal, int64(u.Seq)); err != nil {
			return wrap(err)
		}
	}
	return nil
}
