package agent_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/policy"
	"posagent/reader"
	"posagent/sync/wire"
)

// voucherCentre is a connected centre that redeems vouchers as told.
type voucherCentre struct {
	silentCentre
	redeem func(token string) (wire.VoucherAnswer, error)
}

func (c *voucherCentre) Status() agent.LinkStatus { return agent.LinkStatus{Connected: true} }
func (c *voucherCentre) RedeemVoucher(_ context.Context, token string) (wire.VoucherAnswer, error) {
	return c.redeem(token)
}

// nextEvent waits for the next event of one of types.
func nextEvent(t *testing.T, ch <-chan reader.Event, types ...string) reader.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-ch:
			for _, typ := range types {
				if ev.Type == typ {
					return ev
				}
			}
		case <-timeout:
			t.Fatalf("no %v event", types)
		}
	}
}

// TestVoucherSessionWithoutACardReader: a terminal with a scanner and no
// card reader (no CardSigner, presence otherwise not judged) still sells
// a redeemed voucher as proven, with the token in the record; an IC card's
// removal does not end the voucher's session; refusals carry their code's
// texts, RATE_LIMITED and codes this agent does not know included.
func TestVoucherSessionWithoutACardReader(t *testing.T) {
	a := agenttest.NewAgent(t, agenttest.AgentOptions{Config: func(c *agent.Config) { c.ScannerPort = "/dev/ttyQR" }})
	holder := policy.Holder{CardNo: "A00000001", Name: "张三", Status: "active", Balance: 100000, Sex: "M"}
	c := &voucherCentre{redeem: func(token string) (wire.VoucherAnswer, error) {
		switch token {
		case "GOOD":
			return wire.VoucherAnswer{OK: true, CardNo: "A00000001", Account: wire.AccountInfo{Found: true, Holder: holder}}, nil
		case "SLOW":
			return wire.VoucherAnswer{}, &agent.VoucherRefused{Code: agent.CodeRateLimited}
		case "ODD":
			return wire.VoucherAnswer{}, fmt.Errorf("e-voucher: %w", &agent.VoucherRefused{Code: "SOMETHING_NEW"})
		}
		return wire.VoucherAnswer{}, context.DeadlineExceeded
	}}
	a.SetCentre(c)
	evs, stop := a.Subscribe()
	defer stop()

	for _, x := range []struct{ token, code, zh string }{
		{"SLOW", agent.CodeRateLimited, "过于频繁"},
		{"ODD", "SOMETHING_NEW", "SOMETHING_NEW"},
		{"LOST", wire.VoucherOffline, wire.VoucherTexts[wire.VoucherOffline][1]},
	} {
		a.HandleScannerEvent(reader.Event{Type: reader.EventScan, Scan: wire.VoucherPrefix + x.token})
		ev := nextEvent(t, evs, agent.EventVoucher, reader.EventCard)
		if ev.Type != agent.EventVoucher || ev.Code != x.code || ev.Error == "" || !strings.Contains(ev.ErrorZh, x.zh) {
			t.Errorf("scan %s: event %+v, want %s with a Chinese text containing %q", x.token, ev, x.code, x.zh)
		}
	}
	a.HandleScannerEvent(reader.Event{Type: reader.EventScan, Scan: "EC1:GOOD"})
	ev := nextEvent(t, evs, agent.EventVoucher, reader.EventCard)
	if ev.Type != reader.EventCard || ev.Card.Source != agent.SourceVoucher || ev.Card.Name != "张三" {
		t.Fatalf("scan GOOD: event %+v, want 张三's card from the voucher", ev)
	}
	a.HandleReaderEvent(reader.Event{Type: reader.EventCardRemoved})
	if card, ok := a.CurrentCard(); !ok || card.Source != agent.SourceVoucher {
		t.Fatalf("after an IC card's removal the card is %+v (%v), want the voucher's", card, ok)
	}

	q, err := a.Quote(t.Context(), agent.QuoteRequest{Cashier: "C01", Lines: []policy.Line{{Code: "D0034", Barcode: "6901234500349", Qty: 1, UnitPrice: 3400}}})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := a.Journal.Get(a.Journal.LastSeq())
	if err != nil {
		t.Fatal(err)
	}
	if cr := rec.CardRead; cr == nil || cr.Source != agent.SourceVoucher || cr.Voucher != "GOOD" || cr.Port != "/dev/ttyQR" {
		t.Fatalf("quote record card_read %+v, want source voucher, token GOOD, the scanner's port", cr)
	}
	if q.AccountTotal != 3400 || len(q.Reasons) != 0 {
		t.Fatalf("voucher quote: account %d, reasons %+v; want 3400 from the account (proven, no CARD_PROOF_MISSING)", q.AccountTotal, q.Reasons)
	}
}
