package client

import (
	"context"
	"errors"
	"testing"
	"time"

	"posagent/agent/agenttest"
	"posagent/sync/wire"
)

// A customer's e-voucher redeems once: the first scan answers the card
// and its account; the same token again is refused by the centre with
// VOUCHER_USED (a CentreError) and the link stays up.
func TestRedeemVoucher(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	c, _ := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "connected", func() bool { return c.Status().Connected })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	card := agenttest.Cards[1]
	token, _, err := tc.srv.IssueVoucher(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := c.RedeemVoucher(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if !ans.OK || ans.CardNo != card || !ans.Account.Found || ans.Account.Holder.Balance != startBalance ||
		ans.Account.Holder.PersonID != "" || ans.Account.Holder.Name != "" {
		t.Fatalf("answer %+v: want the card's account without its person id or name", ans)
	}
	_, err = c.RedeemVoucher(ctx, token)
	var ce *CentreError
	if !errors.As(err, &ce) || ce.Code != wire.VoucherUsed {
		t.Fatalf("second redemption: %v, want a CentreError %s", err, wire.VoucherUsed)
	}
	if _, err := c.RedeemVoucher(ctx, "NOSUCHTOKEN"); !errors.As(err, &ce) || ce.Code != wire.VoucherUnknown {
		t.Fatalf("unknown token: %v, want %s", err, wire.VoucherUnknown)
	}
	// A malformed token is refused here, without asking.
	if _, err := c.RedeemVoucher(ctx, "EC1:ABC"); !errors.Is(err, wire.ErrBadVoucher) {
		t.Fatalf("malformed token: %v, want ErrBadVoucher", err)
	}
	if !c.Status().Connected {
		t.Fatal("refusals dropped the link")
	}
}

// Without an answer the error is ErrOffline: the link drops while a
// redemption is in flight, or is down when one is asked.
func TestRedeemVoucherOffline(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	c, _ := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "connected", func() bool { return c.Status().Connected })
	token, _, err := tc.srv.IssueVoucher(t.Context(), agenttest.Cards[0])
	if err != nil {
		t.Fatal(err)
	}

	tc.proxy.SetBlackhole(true)
	done := make(chan error, 1)
	go func() {
		_, err := c.RedeemVoucher(t.Context(), token)
		done <- err
	}()
	eventually(t, "the request to be pending", func() bool {
		s := c.current()
		return s != nil && s.vouchers.len() == 1
	})
	tc.proxy.SetDown(true)
	if err := <-done; err != ErrOffline {
		t.Fatalf("RedeemVoucher across a lost connection: %v, want ErrOffline", err)
	}
	eventually(t, "disconnected", func() bool { return !c.Status().Connected })
	if _, err := c.RedeemVoucher(t.Context(), token); err != ErrOffline {
		t.Fatalf("RedeemVoucher while the centre is down: %v, want ErrOffline", err)
	}
	// A timeout is the caller's context's error, not a refusal.
	tc.proxy.SetBlackhole(false)
	tc.proxy.SetDown(false)
	eventually(t, "reconnected", func() bool { return c.Status().Connected })
	tc.proxy.SetBlackhole(true)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.RedeemVoucher(ctx, token); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RedeemVoucher with no answer: %v, want the deadline", err)
	}
}
