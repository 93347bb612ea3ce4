package client

import (
	"context"
	"errors"
	"fmt"

	"posagent/sync/wire"
)

// ErrNoVoucher means the centre connected to does not redeem e-vouchers
// (it did not say wire.FeatureVoucher in its welcome). For the cashier it
// is the same as ErrOffline: wire.VoucherOffline.
var ErrNoVoucher = errors.New("centre does not redeem e-vouchers")

// RedeemVoucher asks the centre to redeem an e-voucher token (the QR
// content after wire.VoucherPrefix; wire.ParseVoucherQR) and returns the
// card it stands for, with its account as Account answers it. The answer
// is the proof of presence for the sale.
//
// Errors tell "the centre refused" from "no answer": a refusal is a
// *CentreError whose Code is wire.VoucherUsed, VoucherExpired,
// VoucherUnknown, VoucherBadToken or RATE_LIMITED (the connection stays);
// no answer is ErrOffline (not connected, or the connection was lost
// before the answer, unwrapped), ErrNoVoucher (an older centre), or
// ctx's error (timed out). A token this client can tell is malformed is
// refused without asking, as wire.ErrBadVoucher.
func (c *Client) RedeemVoucher(ctx context.Context, token string) (wire.VoucherAnswer, error) {
	if err := wire.CheckVoucherToken(token); err != nil {
		return wire.VoucherAnswer{}, err
	}
	s := c.current()
	if s == nil {
		return wire.VoucherAnswer{}, ErrOffline
	}
	if !s.extra[wire.FeatureVoucher] {
		return wire.VoucherAnswer{}, ErrNoVoucher
	}
	a, err := call(ctx, s, &s.vouchers, wire.Message{Type: wire.TypeVoucherReq, ID: c.newID(), Token: token})
	if err != nil {
		return wire.VoucherAnswer{}, err
	}
	return a.answer, a.err
}

// voucherAnswer is the centre's answer to one voucher request.
type voucherAnswer struct {
	answer wire.VoucherAnswer
	err    error
}

// answerVoucher delivers a voucher message to the request waiting for it.
func (s *session) answerVoucher(m wire.Message) {
	var a voucherAnswer
	switch {
	case m.Error != nil:
		a.err = fmt.Errorf("e-voucher: %w", &CentreError{Code: m.Error.Code, Message: m.Error.Message})
	case m.Voucher == nil || !m.Voucher.OK:
		a.err = fmt.Errorf("e-voucher: %w", &CentreError{Code: "unknown", Message: "centre answered without a card"})
	default:
		a.answer = *m.Voucher
	}
	if !s.vouchers.deliver(m.ID, a) {
		s.c.log.Debug("voucher answer nobody waits for", "id", m.ID)
	}
}
