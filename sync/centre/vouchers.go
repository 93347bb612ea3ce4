package centre

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"time"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// E-vouchers (医保电子凭证, SPEC §10): the centre stands in for the national
// platform. It issues a token for a card (`centre voucher`), and a
// terminal redeems it once, within VoucherLifetime, to learn the card the
// person showed; the redemption is the sale's proof of presence.

// VoucherLifetime is how long an issued token can be redeemed.
const VoucherLifetime = 120 * time.Second

// voucherBytes is a token's randomness: 160 bits, 32 base32 characters
// (digits and capitals only, which a QR code's alphanumeric mode holds).
const voucherBytes = 20

// voucherEncoding writes tokens: RFC 4648 base32 without padding.
var voucherEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// ErrUnknownCard means a voucher was asked for a card without an account.
// Such an error is also ErrInvalid.
var ErrUnknownCard = errors.New("no account for this card")

// ErrBadVoucher is returned (wrapped) by RedeemVoucher for a token that is
// not 1 to wire.MaxVoucherToken letters or digits. The attempt is logged.
var ErrBadVoucher = wire.ErrBadVoucher

// IssueVoucher issues an e-voucher token for a card with an account,
// valid VoucherLifetime from now on the centre's clock, and stores it.
// The QR code's content is wire.VoucherPrefix + token.
func (c *Centre) IssueVoucher(ctx context.Context, cardNo string) (token string, expires time.Time, err error) {
	if err := CheckCardNo(cardNo); err != nil {
		return "", time.Time{}, invalidf("e-voucher: card %q: %w", cardNo, err)
	}
	if _, err := c.st.Account(ctx, cardNo); errors.Is(err, store.ErrNotFound) {
		return "", time.Time{}, invalidf("e-voucher: card %s: %w (import it first)", cardNo, ErrUnknownCard)
	} else if err != nil {
		return "", time.Time{}, fmt.Errorf("e-voucher for card %s: %w", cardNo, err)
	}
	var raw [voucherBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("e-voucher for card %s: token: %w", cardNo, err)
	}
	now := c.Now().UTC()
	v := store.Voucher{Token: voucherEncoding.EncodeToString(raw[:]), CardNo: cardNo, IssuedAt: now, ExpiresAt: now.Add(VoucherLifetime)}
	if err := c.st.PutVoucher(ctx, v); err != nil {
		return "", time.Time{}, err
	}
	c.log.Info("e-voucher issued", "card_no", cardNo, "expires", v.ExpiresAt)
	c.Audit(ctx, store.AuditVoucher, cardNo, "expires "+v.ExpiresAt.Format(time.RFC3339))
	return v.Token, v.ExpiresAt, nil
}

// RedeemVoucher redeems a terminal's scanned token (SPEC §10) and answers
// with the card it stands for and that card's account as Lookup answers
// it (never the resident id or the name). Redemptions take tokens from
// the terminal's look-up bucket, so a terminal guessing tokens is refused
// ErrRateLimited like one looking up cards. Refusals: ErrRateLimited,
// ErrBadVoucher, and store.ErrVoucherUnknown, ErrVoucherUsed,
// ErrVoucherExpired (wrapped; store.VoucherCode names their codes).
// Every attempt is in the look-up log (Kind store.LookupVoucher) before
// anything is answered.
func (c *Centre) RedeemVoucher(ctx context.Context, t store.Terminal, token string) (wire.VoucherAnswer, error) {
	now := c.Now()
	entry := store.Lookup{Kind: store.LookupVoucher, Terminal: t.ID, Pharmacy: t.Pharmacy, Token: token, At: now, Refused: true}
	var refusal error
	switch {
	case !c.buckets.take(t.ID, now):
		refusal, entry.Code = ErrRateLimited, "RATE_LIMITED"
	case wire.CheckVoucherToken(token) != nil:
		refusal, entry.Code = wire.CheckVoucherToken(token), wire.VoucherBadToken
	}
	if refusal != nil {
		entry.Token = loggableCard(token)
		if err := c.st.LogLookup(ctx, entry); err != nil {
			return wire.VoucherAnswer{}, fmt.Errorf("e-voucher redemption by %s: %w", t.ID, err)
		}
		c.cfg.Observer.LookupRefused()
		c.log.Warn("e-voucher redemption refused", "terminal", t.ID, "code", entry.Code)
		return wire.VoucherAnswer{}, fmt.Errorf("e-voucher redemption by %s: %w", t.ID, refusal)
	}
	v, err := c.st.RedeemVoucher(ctx, store.Redemption{Token: token, Terminal: t.ID, Pharmacy: t.Pharmacy, At: now})
	if code := store.VoucherCode(err); code != "" {
		c.cfg.Observer.LookupRefused()
		c.log.Warn("e-voucher redemption refused", "terminal", t.ID, "code", code, "card_no", v.CardNo, "err", err)
		return wire.VoucherAnswer{}, err
	}
	if err != nil {
		return wire.VoucherAnswer{}, err
	}
	c.cfg.Observer.LookedUp(LookupVoucher)
	c.log.Info("e-voucher redeemed", "terminal", t.ID, "card_no", v.CardNo)
	days, err := c.lookupDays(ctx)
	if err != nil {
		return wire.VoucherAnswer{}, err
	}
	full, err := c.accountInfo(ctx, v.CardNo, t.ID, now.AddDate(0, 0, -days))
	if err != nil {
		return wire.VoucherAnswer{}, err
	}
	info := wire.AccountInfo{Found: full.Found, Holder: forTerminal(full.Holder), History: full.History}
	return wire.VoucherAnswer{OK: true, CardNo: v.CardNo, Account: info}, nil
}

// Voucher returns one e-voucher as stored (for supervisors and tests), or
// an error wrapping store.ErrNotFound.
func (c *Centre) Voucher(ctx context.Context, token string) (store.Voucher, error) {
	return c.st.Voucher(ctx, token)
}
