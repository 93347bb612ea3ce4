package agentws

import (
	"errors"

	"posagent/sync/centre"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// onVoucherReq redeems an e-voucher token (Centre.RedeemVoucher). A
// refused one (used, expired, unknown, malformed, over the terminal's
// rate) is answered with a voucher message that is not OK and carries the
// error; the connection stays, as for a refused look-up.
func (c *conn) onVoucherReq(id, token string) error {
	switch {
	case id == "":
		return badMessage("voucher_req without id")
	case token == "":
		return badMessage("voucher_req without token")
	}
	ans, err := c.srv.centre.RedeemVoucher(c.ctx, c.terminal, token)
	refuse := func(code, msg string) error {
		return c.sendMessage(wire.Message{Type: wire.TypeVoucher, ID: id, Voucher: &wire.VoucherAnswer{},
			Error: &wire.Error{Code: code, Message: msg}})
	}
	switch code := store.VoucherCode(err); {
	case code != "":
		return refuse(code, wire.VoucherTexts[code][0])
	case errors.Is(err, centre.ErrRateLimited):
		return refuse(CodeRateLimited, "too many account look-ups and e-voucher redemptions from this terminal; try again later")
	case errors.Is(err, centre.ErrBadVoucher):
		return refuse(wire.VoucherBadToken, "token: want 1 to 64 letters or digits (the QR content after \"EC1:\")")
	case err != nil:
		return storeError("redeem e-voucher", err)
	}
	return c.sendMessage(wire.Message{Type: wire.TypeVoucher, ID: id, Voucher: &ans})
}
