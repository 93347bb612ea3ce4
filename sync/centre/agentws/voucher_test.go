package agentws_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre"
	"posagent/sync/centre/agentws"
	"posagent/sync/centre/alerts"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// issue issues an e-voucher for card on c's centre.
func issue(t *testing.T, c *centretest.Centre, card string) string {
	t.Helper()
	token, expires, err := c.Centre().IssueVoucher(t.Context(), card)
	if err != nil {
		t.Fatal(err)
	}
	if !expires.Equal(c.Now().Add(centre.VoucherLifetime)) || len(token) < 26 {
		t.Fatalf("token %q expires %v, want 26+ characters valid %v", token, expires, centre.VoucherLifetime)
	}
	return token
}

// voucherRefused checks an answer refuses with code and says so in words.
func voucherRefused(t *testing.T, what string, m wire.Message, raw []byte, code string) {
	t.Helper()
	if m.Voucher.OK || m.Voucher.CardNo != "" || m.Error == nil || m.Error.Code != code || m.Error.Message == "" {
		t.Errorf("%s: %s, want refused %s", what, raw, code)
	}
}

// An honest terminal scans a customer's e-voucher: the centre redeems it
// and answers with the card and its account as a look-up would (no
// resident id, no name); the redemption is stored and logged.
func TestVoucherHonestRedemption(t *testing.T) {
	onEachStore(t, func(t *testing.T, kind centretest.StoreKind) {
		c := centretest.StartWithOptions(t, centretest.Options{Sample: true, Store: kind})
		a := c.Connect("T1", c.Enrol("T1", "P001"))
		a.Hello(0, 1, 0)
		token := issue(t, c, zhangSan)
		c.Clock.Advance(100 * time.Second)
		m, raw := a.Voucher("v1", token)
		if m.Error != nil || !m.Voucher.OK || m.Voucher.CardNo != zhangSan || !m.Voucher.Account.Found {
			t.Fatalf("answer %s", raw)
		}
		h := m.Voucher.Account.Holder
		if h.PersonID != "" || h.Name != "" || h.Balance != c.Balance(zhangSan) || h.Status != "active" || h.Sex == "" {
			t.Errorf("holder %+v: want the terminal's view of the account", h)
		}
		for _, id := range residentIDs(t) {
			if bytes.Contains(raw, []byte(id)) {
				t.Fatalf("the answer carries a resident id: %s", raw)
			}
		}
		v, err := c.Centre().Voucher(t.Context(), token)
		if err != nil || v.RedeemedBy != "T1" || !v.RedeemedAt.Equal(c.Now()) || v.CardNo != zhangSan {
			t.Errorf("stored voucher %+v, %v", v, err)
		}
		logged, err := c.Centre().Lookups(t.Context(), store.LookupFilter{Terminal: "T1"})
		if err != nil || len(logged) != 1 || logged[0].Kind != store.LookupVoucher || logged[0].CardNo != zhangSan ||
			logged[0].Token != token || logged[0].Refused || !logged[0].Found || logged[0].Pharmacy != "P001" {
			t.Errorf("logged %+v, %v", logged, err)
		}
	})
}

// The welcome says the centre redeems vouchers.
func TestWelcomeOffersVouchers(t *testing.T) {
	c := centretest.Start(t)
	a := c.Connect("T1", c.Enrol("T1", "P1"))
	a.Send(wire.Message{Type: wire.TypeHello, Hello: &wire.Hello{Terminal: "T1"}})
	if m := a.Expect(wire.TypeWelcome); !m.Extra[wire.FeatureVoucher] {
		t.Errorf("welcome extra %v, want %q", m.Extra, wire.FeatureVoucher)
	}
}

// A rogue terminal replays a token another terminal redeemed (seen over
// a customer's shoulder, or shared between pharmacies): refused
// VOUCHER_USED, as is the honest terminal's own second try; an expired
// and an unknown token are refused too; the connections stay.
func TestVoucherReplayByRogueRefused(t *testing.T) {
	onEachStore(t, func(t *testing.T, kind centretest.StoreKind) {
		r := newRogue(t, kind) // T1 of P001
		c := r.C
		honest := c.Connect("T2", c.Enrol("T2", "P002"))
		honest.Hello(0, 1, 0)
		token := issue(t, c, liSi)
		if m, raw := honest.Voucher("h1", token); !m.Voucher.OK {
			t.Fatalf("honest redemption: %s", raw)
		}
		m, raw := r.Agent.Voucher("r1", token)
		voucherRefused(t, "rogue replay", m, raw, wire.VoucherUsed)
		m, raw = honest.Voucher("h2", token)
		voucherRefused(t, "second redemption by the same terminal", m, raw, wire.VoucherUsed)

		late := issue(t, c, liSi)
		c.Clock.Advance(centre.VoucherLifetime)
		m, raw = r.Agent.Voucher("r2", late)
		voucherRefused(t, "expired", m, raw, wire.VoucherExpired)
		m, raw = r.Agent.Voucher("r3", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		voucherRefused(t, "unknown", m, raw, wire.VoucherUnknown)

		if v, _ := c.Centre().Voucher(t.Context(), token); v.RedeemedBy != "T2" {
			t.Errorf("voucher %+v, want redeemed by T2 only", v)
		}
		if v, _ := c.Centre().Voucher(t.Context(), late); v.Redeemed() {
			t.Errorf("expired voucher %+v redeemed", v)
		}
		// Both connections still carry sales.
		for _, a := range []*centretest.Agent{r.Agent, honest} {
			if ack := a.SendEntries(nil); ack.AckedSeq != 0 {
				t.Errorf("%s after refusals: ack %+v", a.ID, ack)
			}
		}
		logged, err := c.Centre().Lookups(t.Context(), store.LookupFilter{Terminal: "T1"})
		if err != nil || len(logged) != 3 {
			t.Fatalf("rogue's attempts logged %+v, %v", logged, err)
		}
		for i, code := range []string{wire.VoucherUnknown, wire.VoucherExpired, wire.VoucherUsed} {
			if l := logged[i]; l.Kind != store.LookupVoucher || !l.Refused || l.Code != code {
				t.Errorf("logged attempt %d %+v, want refused %s", i, l, code)
			}
		}
	})
}

// A rogue terminal guesses tokens as fast as the centre answers: the
// look-up token bucket (30 at once, 1 a second, shared with account
// look-ups) refuses all but the first 30 RATE_LIMITED, a real token
// included until the bucket refills; every guess is logged and
// supervisors see the terminal's look-ups without sales.
func TestVoucherGuessingIsRateLimited(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true})
	r := c.Rogue("R1", "P009")
	const n = 200
	unknown, limited := 0, 0
	for i := range n {
		m, raw := r.Agent.Voucher(fmt.Sprint(i), fmt.Sprintf("GUESS%027d", i))
		switch {
		case m.Error != nil && m.Error.Code == wire.VoucherUnknown:
			unknown++
		case m.Error != nil && m.Error.Code == agentws.CodeRateLimited:
			limited++
		default:
			t.Fatalf("guess %d answered %s", i, raw)
		}
	}
	if unknown != centre.DefaultLookupBurst || limited != n-unknown {
		t.Fatalf("%d unknown, %d rate-limited; want %d and %d", unknown, limited, centre.DefaultLookupBurst, n-centre.DefaultLookupBurst)
	}
	token := issue(t, c, zhangSan)
	m, raw := r.Agent.Voucher("real", token)
	voucherRefused(t, "a real token over the rate", m, raw, agentws.CodeRateLimited)
	if m, raw := r.Agent.Lookup("acct", zhangSan); m.Error == nil || m.Error.Code != agentws.CodeRateLimited {
		t.Errorf("account look-up over the shared rate: %s", raw)
	}
	c.Clock.Advance(time.Second)
	if m, raw := r.Agent.Voucher("real2", token); !m.Voucher.OK {
		t.Errorf("a real token once the bucket refilled: %s", raw)
	}

	logged, err := c.Centre().Lookups(t.Context(), store.LookupFilter{Terminal: "R1", Limit: 2 * n})
	if err != nil {
		t.Fatal(err)
	}
	if len(logged) != n+3 {
		t.Fatalf("logged %d attempts, want %d", len(logged), n+3)
	}
	refused := 0
	for _, l := range logged {
		if l.Refused {
			refused++
		}
	}
	if refused != n+2 {
		t.Errorf("logged %d refused, want %d", refused, n+2)
	}
	as, err := c.Centre().LookupAlerts(context.Background(), store.LookupFilter{Terminal: "R1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) == 0 || as[0].Kind != alerts.WithoutSale || as[0].Terminal != "R1" {
		t.Errorf("alerts %+v, want the terminal's look-ups without sales", as)
	}
}

// A malformed voucher_req is refused clearly and the connection stays
// when the token alone is wrong (too long, not letters and digits); a
// voucher_req without its token or id is BAD_MESSAGE, one before hello
// PROTOCOL, one over the message limit TOO_LARGE (those close).
func TestVoucherMalformedRequests(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true})
	r := c.Rogue("R1", "P009")
	for name, token := range map[string]string{
		"one over the limit": strings.Repeat("A", wire.MaxVoucherToken+1),
		"a megabyte":         strings.Repeat("A", 1<<20),
		"NUL and spaces":     "AB\x00 CD",
		"with its prefix":    "EC1:ABCDEF",
		"invalid UTF-8":      "AB\xff",
	} {
		m, raw := r.Agent.Voucher(name, token)
		if len(raw) > 4096 {
			t.Errorf("%s: the answer repeats the input (%d bytes)", name, len(raw))
		}
		voucherRefused(t, name, m, raw, wire.VoucherBadToken)
	}
	logged, err := c.Centre().Lookups(t.Context(), store.LookupFilter{Terminal: "R1"})
	if err != nil || len(logged) != 5 {
		t.Fatalf("logged %+v, %v", logged, err)
	}
	for _, l := range logged {
		if !l.Refused || l.Code != wire.VoucherBadToken || len(l.Token) > 200 || !strings.HasPrefix(l.Token, `"`) {
			t.Errorf("logged %+v: want refused, the token quoted and cut short", l)
		}
	}
	if ack := r.Agent.SendEntries(nil); ack.AckedSeq != 0 {
		t.Errorf("after malformed tokens: ack %+v", ack)
	}

	r.Agent.Send(wire.Message{Type: wire.TypeVoucherReq, ID: "x"})
	r.Agent.ExpectClosedWith(agentws.CodeBadMessage)

	b := c.Connect("R2", c.Enrol("R2", "P009"))
	b.Send(wire.Message{Type: wire.TypeVoucherReq, ID: "x", Token: "ABC"})
	b.ExpectClosedWith(agentws.CodeProtocol)

	d := c.Connect("R3", c.Enrol("R3", "P009"))
	d.Hello(0, 1, 0)
	d.Send(wire.Message{Type: wire.TypeVoucherReq, ID: "x", Token: strings.Repeat("A", wire.MaxAgentMessage)})
	d.ExpectClosedWith(agentws.CodeTooLarge)
}
