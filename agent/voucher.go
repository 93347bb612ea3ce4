package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"posagent/reader"
	"posagent/sync/wire"
)

// E-vouchers (医保电子凭证, SPEC §10). A QR scanner (a reader in
// reader.FormatScanner) sends the code the insured person shows; the agent
// parses it (wire.ParseVoucherQR), has the centre redeem the token, and on
// success starts a card session for the card the token stands for, with
// Source "voucher", the account the centre answered and the token. The
// redemption is the sale's proof of presence: no AUTH is asked, and
// every record of the session carries the token (wire.CardRead.Voucher).
// Vouchers are online only: offline a scan is refused VOUCHER_OFFLINE.
//
// The session ends like a track-2 session (another card or scan, or
// Track2Window), and also after a charge that paid from the account: the
// centre takes the token as used by the first such charge, so a second
// account charge on it would be refused there; the next sale needs a
// fresh code.

// Event types the agent publishes itself, besides the reader's.
const (
	// EventVoucher: a scanned e-voucher was refused. Code is one of wire's
	// Voucher codes or RATE_LIMITED; Error and ErrorZh are its texts for
	// the cashier. A voucher accepted is a "card" event.
	EventVoucher = "voucher"
	// EventScanner: the QR scanner's port opened or went down (Reader is
	// the scanner's status).
	EventScanner = "scanner"
)

// SourceVoucher is reader.Card.Source for a card known from an e-voucher.
const SourceVoucher = "voucher"

// CodeRateLimited is the centre's refusal of a terminal asking too often
// (account look-ups and voucher redemptions share the bucket).
const CodeRateLimited = "RATE_LIMITED"

// voucherTexts are the cashier's texts of the voucher refusals (index 0
// English, 1 Chinese): wire's, and the rate limit's.
func voucherText(code string) [2]string {
	if t, ok := wire.VoucherTexts[code]; ok {
		return t
	}
	if code == CodeRateLimited {
		return [2]string{"Too many e-voucher or card look-ups from this terminal; wait a moment and scan again",
			"本终端查询医保电子凭证或医保卡过于频繁，请稍候再扫码"}
	}
	// A code this agent does not know: the centre refused, say so.
	return [2]string{"The centre refused this e-voucher (" + code + "); ask the customer to refresh the code in the app, or use the insurance card",
		"医保中心拒绝了该电子凭证（" + code + "），请让顾客在应用中刷新凭证码，或改用医保卡"}
}

// VoucherRefused is the centre's refusal of an e-voucher, as Centre's
// RedeemVoucher returns it. Code is one of wire's Voucher codes or
// RATE_LIMITED.
type VoucherRefused struct{ Code string }

func (e *VoucherRefused) Error() string { return "e-voucher refused: " + e.Code }

// HandleScannerEvent is the QR scanner's callback: a scan is redeemed
// (asynchronously; the callback never waits for the centre), a line the
// scanner refused is shown as VOUCHER_BAD_TOKEN, and the scanner's state
// is kept for the status.
func (a *Agent) HandleScannerEvent(ev reader.Event) {
	switch ev.Type {
	case reader.EventScan:
		a.scanned(ev.Scan)
	case reader.EventReader:
		if ev.Reader == nil {
			return
		}
		st := *ev.Reader
		a.scannerStatus.Store(&st)
		if ev.Error != "" && st.State == reader.StateOpen {
			a.voucherRefused(wire.VoucherBadToken, errors.New(ev.Error))
			return
		}
		ev.Type = EventScanner
		a.events.publish(ev)
	}
}

// scanned acts on one scanned line.
func (a *Agent) scanned(line string) {
	token, err := wire.ParseVoucherQR(line)
	if err != nil {
		a.voucherRefused(wire.VoucherBadToken, err)
		return
	}
	c := a.centreClient()
	if c == nil || !c.Status().Connected {
		a.voucherRefused(wire.VoucherOffline, errors.New("centre not connected"))
		return
	}
	go a.redeem(c, token)
}

// redeem has the centre redeem token, with the account look-up's short
// deadline, and starts the voucher's session.
func (a *Agent) redeem(c Centre, token string) {
	// As for a look-up: what was acknowledged before the answer is in
	// the centre's balance.
	asOf := a.j.Acked()
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.AccountWait)
	ans, err := c.RedeemVoucher(ctx, token)
	cancel()
	var refused *VoucherRefused
	switch {
	case errors.As(err, &refused):
		a.voucherRefused(refused.Code, err)
		return
	case err != nil:
		a.voucherRefused(wire.VoucherOffline, err)
		return
	case !ans.OK || ans.CardNo == "":
		a.voucherRefused(wire.VoucherOffline, fmt.Errorf("centre answered without a card: %+v", ans))
		return
	}
	s := a.startVoucherSession(ans, token, asOf)
	a.obs.Swiped()
	a.log.Info("e-voucher redeemed", "card_no", ans.CardNo)
	card := s.card
	a.events.publish(reader.Event{Type: reader.EventCard, Card: &card, At: card.ReadAt})
}

// startVoucherSession makes the redeemed card the current one, with the
// account the centre answered (as a finished look-up would have it).
func (a *Agent) startVoucherSession(ans wire.VoucherAnswer, token string, asOf uint64) *session {
	h := ans.Account.Holder
	c := reader.Card{CardNo: ans.CardNo, Name: h.Name, Sex: h.Sex, Source: SourceVoucher}
	if !h.Birth.IsZero() {
		c.Birth = h.Birth.Format(time.DateOnly)
	}
	s := a.newSession(c, func(s *session) {
		s.voucher = token
		s.info, s.haveInfo, s.asOf = ans.Account, true, asOf
		close(s.lookup)
	})
	a.cacheAccount(ans.CardNo, ans.Account, asOf)
	return s
}

// voucherRefused tells the cashier (an EventVoucher) why a scan gave no
// card.
func (a *Agent) voucherRefused(code string, cause error) {
	t := voucherText(code)
	a.log.Info("e-voucher refused", "code", code, "err", cause)
	a.events.publish(reader.Event{Type: EventVoucher, Code: code, Error: t[0], ErrorZh: t[1], At: a.now()})
}

// endVoucherSession ends s, a voucher session whose token the centre now
// counts as used (a charge paid from the account), if it is still the
// current one, and tells the subscribers the card is gone.
func (a *Agent) endVoucherSession(s *session) {
	a.cards.mu.Lock()
	ended := a.cards.cur == s
	if ended {
		a.cards.cur = nil
		a.cards.removed = a.now()
	}
	a.cards.mu.Unlock()
	if ended {
		a.events.publish(reader.Event{Type: reader.EventCardRemoved, At: a.now()})
	}
}
