package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/centre/ledger"
	"posagent/sync/wire"
)

// Voucher is an e-voucher token the centre issued (SPEC §10, 医保电子凭证):
// it stands for one card, redeems once before it expires, and the record
// of the sale it proved may use it once.
type Voucher struct {
	Token     string    `json:"token"`
	CardNo    string    `json:"card_no"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// RedeemedBy and RedeemedAt are the terminal that redeemed it and
	// when (the centre's clock); "" and zero until then.
	RedeemedBy string    `json:"redeemed_by,omitempty"`
	RedeemedAt time.Time `json:"redeemed_at,omitzero"`
	// UsedBy and UsedSeq are the applied record that used it as its proof
	// of presence (VoucherTx.UseVoucher); "" and 0 until then.
	UsedBy  string `json:"used_by,omitempty"`
	UsedSeq uint64 `json:"used_seq,omitempty"`
}

// Redeemed reports whether a terminal has redeemed the voucher.
func (v Voucher) Redeemed() bool { return v.RedeemedBy != "" }

// Refusals of RedeemVoucher and UseVoucher (wrapped). VoucherCode names
// their wire codes.
var (
	ErrVoucherUnknown  = errors.New("no such e-voucher")
	ErrVoucherUsed     = errors.New("e-voucher already used")
	ErrVoucherExpired  = errors.New("e-voucher expired")
	ErrVoucherExists   = errors.New("e-voucher token already issued")
	ErrVoucherUnproven = errors.New("e-voucher was not redeemed by this terminal for this card")
)

// VoucherCode is the wire code of a refused redemption (wire.Voucher*),
// "" for any other error.
func VoucherCode(err error) string {
	switch {
	case errors.Is(err, ErrVoucherUnknown):
		return wire.VoucherUnknown
	case errors.Is(err, ErrVoucherUsed):
		return wire.VoucherUsed
	case errors.Is(err, ErrVoucherExpired):
		return wire.VoucherExpired
	}
	return ""
}

// Redemption is a terminal's attempt to redeem a token at At (the
// centre's clock).
type Redemption struct {
	Token    string
	Terminal string
	Pharmacy string
	At       time.Time
}

// CheckRedemption is the rule both stores apply, in the transaction that
// redeems v: once (ErrVoucherUsed, whichever terminal asks), and only
// before it expires (ErrVoucherExpired).
func CheckRedemption(v Voucher, at time.Time) error {
	switch {
	case v.Redeemed():
		return fmt.Errorf("%w: redeemed by terminal %s at %s", ErrVoucherUsed, v.RedeemedBy, v.RedeemedAt.UTC().Format(time.RFC3339))
	case !at.Before(v.ExpiresAt):
		return fmt.Errorf("%w: it expired at %s", ErrVoucherExpired, v.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// RedemptionLog is the look-up log's entry for a redemption attempt: v is
// the stored voucher (zero when unknown), err the refusal or nil.
func RedemptionLog(r Redemption, v Voucher, err error) Lookup {
	l := Lookup{Kind: LookupVoucher, Terminal: r.Terminal, Pharmacy: r.Pharmacy, Token: r.Token,
		CardNo: v.CardNo, At: r.At, Found: v.Token != ""}
	if err != nil {
		l.Refused, l.Code = true, VoucherCode(err)
	}
	return l
}

// VoucherUse is a record's claim that a voucher proved its sale: the
// record (Terminal, Seq) and the card it charged.
type VoucherUse struct {
	Token    string
	Terminal string
	Seq      uint64
	CardNo   string
}

// VoucherTx is what an apply transaction offers for a record paid with
// an e-voucher (SPEC §10). Both stores' apply transactions implement it,
// and Store.UseVoucher does the same in a transaction of its own.
type VoucherTx interface {
	// UseVoucher checks that u.Token was redeemed by u.Terminal for
	// u.CardNo and that no other record used it, and marks it used by
	// (u.Terminal, u.Seq), in the caller's transaction. The same record
	// using it again is not an error. ErrVoucherUnknown, ErrVoucherUnproven
	// (not redeemed, or by another terminal, or for another card) and
	// ErrVoucherUsed (another record used it) are the proof failing;
	// other errors are the store's.
	UseVoucher(ctx context.Context, u VoucherUse) error
}

// CheckVoucherUse is the rule of VoucherTx.UseVoucher for the stored v:
// it reports whether v must be marked used, or why the proof fails.
func CheckVoucherUse(v Voucher, u VoucherUse) (mark bool, err error) {
	switch {
	case !v.Redeemed() || v.RedeemedBy != u.Terminal || v.CardNo != u.CardNo:
		return false, fmt.Errorf("%w: token of card %s, redeemed by %q; the record is terminal %s's for card %s",
			ErrVoucherUnproven, v.CardNo, v.RedeemedBy, u.Terminal, u.CardNo)
	case v.UsedBy == u.Terminal && v.UsedSeq == u.Seq:
		return false, nil
	case v.UsedBy != "":
		return false, fmt.Errorf("%w: by record %s/%d", ErrVoucherUsed, v.UsedBy, v.UsedSeq)
	}
	return true, nil
}

// bucketVouchers holds the e-vouchers: token → Voucher JSON.
var bucketVouchers = []byte("vouchers")

// PutVoucher stores a newly issued voucher.
func (b *Bolt) PutVoucher(ctx context.Context, v Voucher) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("issue e-voucher: %w", err)
	}
	if err := CheckNewVoucher(v); err != nil {
		return err
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketVouchers)
		if bk.Get([]byte(v.Token)) != nil {
			return ErrVoucherExists
		}
		return putJSON(bk, []byte(v.Token), v)
	})
	if err != nil {
		return fmt.Errorf("issue e-voucher for card %s: %w", v.CardNo, err)
	}
	return nil
}

// CheckNewVoucher checks a voucher to be issued: a well-formed token, a
// card number, not redeemed or used, a lifetime. Both stores call it
// (PostgreSQL adds its own text rules for the card number).
func CheckNewVoucher(v Voucher) error {
	if err := wire.CheckVoucherToken(v.Token); err != nil {
		return fmt.Errorf("issue e-voucher: %w", err)
	}
	if err := checkName("card number", v.CardNo); err != nil {
		return fmt.Errorf("issue e-voucher: %w", err)
	}
	if v.Redeemed() || v.UsedBy != "" || !v.ExpiresAt.After(v.IssuedAt) {
		return fmt.Errorf("issue e-voucher for card %s: not a new voucher (redeemed %q, used %q, issued %s, expires %s)",
			v.CardNo, v.RedeemedBy, v.UsedBy, v.IssuedAt, v.ExpiresAt)
	}
	return nil
}

// Voucher returns one voucher, or ErrNotFound.
func (b *Bolt) Voucher(ctx context.Context, token string) (Voucher, error) {
	var v Voucher
	if err := ctx.Err(); err != nil {
		return v, fmt.Errorf("e-voucher: %w", err)
	}
	err := b.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketVouchers), []byte(token), &v)
	})
	if err != nil {
		return Voucher{}, fmt.Errorf("e-voucher: %w", err)
	}
	return v, nil
}

// RedeemVoucher redeems r.Token for r.Terminal, once, and logs the
// attempt, in one transaction (bbolt's writers are serialised, so two
// terminals redeeming the same token see one another).
func (b *Bolt) RedeemVoucher(ctx context.Context, r Redemption) (Voucher, error) {
	if err := ctx.Err(); err != nil {
		return Voucher{}, fmt.Errorf("redeem e-voucher: %w", err)
	}
	if err := checkName("terminal", r.Terminal); err != nil {
		return Voucher{}, fmt.Errorf("redeem e-voucher: %w", err)
	}
	if err := wire.CheckVoucherToken(r.Token); err != nil {
		return Voucher{}, fmt.Errorf("redeem e-voucher: %w", err)
	}
	var (
		v       Voucher
		refusal error
	)
	err := b.db.Update(func(tx *bolt.Tx) error {
		v, refusal = Voucher{}, nil
		bk := tx.Bucket(bucketVouchers)
		switch err := getJSON(bk, []byte(r.Token), &v); {
		case errors.Is(err, ErrNotFound):
			v, refusal = Voucher{}, ErrVoucherUnknown
		case err != nil:
			return err
		default:
			if refusal = CheckRedemption(v, r.At); refusal == nil {
				v.RedeemedBy, v.RedeemedAt = r.Terminal, r.At
				if err := putJSON(bk, []byte(r.Token), v); err != nil {
					return err
				}
			}
		}
		return putLookup(tx, RedemptionLog(r, v, refusal))
	})
	if err != nil {
		return Voucher{}, fmt.Errorf("redeem e-voucher by %s: %w", r.Terminal, err)
	}
	if refusal != nil {
		return v, fmt.Errorf("redeem e-voucher by %s: %w", r.Terminal, refusal)
	}
	return v, nil
}

// UseVoucher does VoucherTx.UseVoucher in a transaction of its own.
func (b *Bolt) UseVoucher(ctx context.Context, u VoucherUse) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("use e-voucher: %w", err)
	}
	return b.db.Update(func(tx *bolt.Tx) error { return useVoucher(tx, u) })
}

// UseVoucher is VoucherTx.UseVoucher inside the Apply transaction.
func (a *applier) UseVoucher(ctx context.Context, u VoucherUse) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("use e-voucher: %w", err)
	}
	return useVoucher(a.tx, u)
}

var _ VoucherTx = (*applier)(nil)

// useVoucher checks and marks a voucher's use in tx.
func useVoucher(tx *bolt.Tx, u VoucherUse) error {
	bk := tx.Bucket(bucketVouchers)
	var v Voucher
	switch err := getJSON(bk, []byte(u.Token), &v); {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("use e-voucher for %s/%d: %w", u.Terminal, u.Seq, ErrVoucherUnknown)
	case err != nil:
		return fmt.Errorf("use e-voucher for %s/%d: %w", u.Terminal, u.Seq, err)
	}
	mark, err := CheckVoucherUse(v, u)
	if err != nil || !mark {
		if err != nil {
			return fmt.Errorf("use e-voucher for %s/%d: %w", u.Terminal, u.Seq, err)
		}
		return nil
	}
	v.UsedBy, v.UsedSeq = u.Terminal, u.Seq
	if err := putJSON(bk, []byte(u.Token), v); err != nil {
		return fmt.Errorf("use e-voucher for %s/%d: %w", u.Terminal, u.Seq, err)
	}
	return nil
}

// CheckVoucherProof checks the e-voucher of a charge presence says needs
// it (ledger.Presence.NeedsVoucherCheck) with tx.UseVoucher, marking it
// used by the record, and returns presence with the outcome. A voucher
// that does not prove the sale is a finding, not an error; the error is
// the store's failing.
func CheckVoucherProof(ctx context.Context, tx VoucherTx, terminal string, rec wire.Record, p ledger.Presence) (ledger.Presence, error) {
	if !p.NeedsVoucherCheck(rec) {
		return p, nil
	}
	err := tx.UseVoucher(ctx, VoucherUse{Token: p.Voucher, Terminal: terminal, Seq: rec.Seq, CardNo: rec.CardNo})
	p.VoucherChecked = true
	switch {
	case err == nil:
	case errors.Is(err, ErrVoucherUnknown):
		p.VoucherFault = ledger.VoucherUnknown
	case errors.Is(err, ErrVoucherUnproven):
		p.VoucherFault = ledger.VoucherUnproven
	case errors.Is(err, ErrVoucherUsed):
		p.VoucherFault = ledger.VoucherUsed
	default:
		return p, fmt.Errorf("e-voucher of record %d: %w", rec.Seq, err)
	}
	return p, nil
}
