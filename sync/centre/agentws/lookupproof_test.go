package agentws_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"posagent/sync/centre"
	"posagent/sync/centre/agentws"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// Look-ups only for presented cards (SPEC §9, §10): a centre with the
// issuer key answers an account_req whole only with the card's answer to
// the look-up challenge over a nonce it issued on that connection;
// otherwise status and balance, counted and logged as unproven.

// checkWhole fails unless m is zhangSan's whole answer: diseases,
// pharmacy, sex and birth, and the history of T2's sale.
func checkWhole(t *testing.T, what string, m wire.Message) {
	t.Helper()
	if m.Error != nil || m.Account == nil {
		t.Fatalf("%s: %+v, want an account", what, m)
	}
	a := m.Account
	if a.Reduced || !a.Found || len(a.Holder.Diseases) == 0 || a.Holder.Pharmacy != "P001" || a.Holder.Birth.IsZero() || len(a.History) == 0 {
		t.Fatalf("%s: %+v, want the whole answer", what, *a)
	}
}

// checkReduced fails unless m is zhangSan's reduced answer: status and
// balance (as whole gives them), nothing else.
func checkReduced(t *testing.T, what string, m wire.Message, whole wire.AccountInfo) {
	t.Helper()
	if m.Error != nil || m.Account == nil {
		t.Fatalf("%s: %+v, want an account", what, m)
	}
	a, h := m.Account, m.Account.Holder
	if !a.Reduced || !a.Found || len(a.History) != 0 || len(h.Diseases) != 0 || h.Pharmacy != "" || !h.Birth.IsZero() || h.Sex != "" {
		t.Fatalf("%s: %+v, want status and balance only", what, *a)
	}
	if h.Status != whole.Holder.Status || h.Balance != whole.Holder.Balance || h.CardNo != zhangSan {
		t.Fatalf("%s: status %q balance %d, want %q %d", what, h.Status, h.Balance, whole.Holder.Status, whole.Holder.Balance)
	}
}

func TestLookupsOnlyForPresentedCards(t *testing.T) {
	onEachStore(t, func(t *testing.T, kind centretest.StoreKind) {
		r := newProvingRogue(t, kind) // T1 of P001
		c := r.C
		now := c.Now()

		// Zhang San bought at T2, honestly: T1's whole answer has it.
		t2 := c.Rogue("T2", "P002")
		sale := icCharge(zhangSan, now.Add(-time.Hour), t2.NextSeq())
		sale.Terminal = "T2"
		sale.CardProof = centretest.Prove(t, testIssuer, sale, 1)
		t2.Send(sale)

		nonce := func(id string) string {
			t.Helper()
			m := r.Agent.LookupNonce(id)
			if m.Error != nil || len(m.Nonce) < 2*16 {
				t.Fatalf("lookup_nonce: %+v", m)
			}
			return m.Nonce
		}

		// The honest look-up: the card signs the centre's nonce.
		n := nonce("n1")
		proof := centretest.ProveLookup(t, testIssuer, n, "T1", zhangSan, 2)
		m, _ := r.Agent.LookupWith("l1", zhangSan, "", proof)
		checkWhole(t, "proven look-up", m)
		whole := *m.Account

		// Without the card: status and balance.
		m, _ = r.Agent.Lookup("l2", zhangSan)
		checkReduced(t, "no proof", m, whole)

		// The same proof again: its nonce is used.
		m, _ = r.Agent.LookupWith("l3", zhangSan, "", proof)
		checkReduced(t, "replayed nonce", m, whole)

		// A nonce past its minute.
		n = nonce("n2")
		c.Clock.Advance(centre.LookupNonceLifetime)
		m, _ = r.Agent.LookupWith("l4", zhangSan, "", centretest.ProveLookup(t, testIssuer, n, "T1", zhangSan, 3))
		checkReduced(t, "expired nonce", m, whole)

		// A nonce issued on another connection (T3's), signed for T1.
		t3 := c.Rogue("T3", "P001")
		other := t3.Agent.LookupNonce("x")
		m, _ = r.Agent.LookupWith("l5", zhangSan, "", centretest.ProveLookup(t, testIssuer, other.Nonce, "T1", zhangSan, 4))
		checkReduced(t, "nonce of another connection", m, whole)

		// Li Si's card at the counter, Zhang San's account asked.
		n = nonce("n3")
		m, _ = r.Agent.LookupWith("l6", zhangSan, "", centretest.ProveLookup(t, testIssuer, n, "T1", liSi, 5))
		checkReduced(t, "proof of another card", m, whole)

		// A charge proof of Zhang San's card offered as a look-up proof.
		n = nonce("n4")
		cp := sale.CardProof
		m, _ = r.Agent.LookupWith("l7", zhangSan, "", &wire.LookupProof{Nonce: n, Counter: cp.Counter, Cryptogram: cp.Cryptogram})
		checkReduced(t, "charge proof", m, whole)

		// A made-up nonce.
		m, _ = r.Agent.LookupWith("l8", zhangSan, "", centretest.ProveLookup(t, testIssuer, "00112233445566778899aabbccddeeff", "T1", zhangSan, 6))
		checkReduced(t, "made-up nonce", m, whole)

		// Every look-up is logged, and whether it was proven.
		logged, err := c.Centre().Lookups(context.Background(), store.LookupFilter{Terminal: "T1"})
		if err != nil {
			t.Fatal(err)
		}
		proven := 0
		for _, l := range logged {
			if l.Proven {
				proven++
			}
			if l.Refused || !l.Found || l.CardNo != zhangSan {
				t.Fatalf("logged %+v", l)
			}
		}
		if len(logged) != 8 || proven != 1 {
			t.Fatalf("logged %d look-ups, %d proven; want 8 and 1", len(logged), proven)
		}
	})
}

// Unproven look-ups are counted against the terminal's bucket; proven
// ones are not. Nonces are rate-limited too, and a connection holds only
// a few: issuing more forgets the oldest.
func TestLookupProofCountingAndNonceBounds(t *testing.T) {
	r := newProvingRogue(t, centretest.StoreBolt)
	for i := range centre.DefaultLookupBurst {
		if m, _ := r.Agent.Lookup(fmt.Sprint(i), zhangSan); m.Error != nil {
			t.Fatalf("look-up %d: %+v", i, m.Error)
		}
	}
	if m, _ := r.Agent.Lookup("over", zhangSan); m.Error == nil || m.Error.Code != agentws.CodeRateLimited {
		t.Fatalf("unproven look-up past the burst: %+v", m)
	}
	n := r.Agent.LookupNonce("n").Nonce
	m, _ := r.Agent.LookupWith("proven", zhangSan, "", centretest.ProveLookup(t, testIssuer, n, "T1", zhangSan, 1))
	checkWholeNoHistory(t, m)

	// MaxLookupNonces more: the first of them is forgotten.
	var ns []string
	for i := range centre.MaxLookupNonces + 1 {
		ns = append(ns, r.Agent.LookupNonce(fmt.Sprint("m", i)).Nonce)
	}
	m, _ = r.Agent.LookupWith("forgotten", zhangSan, "", centretest.ProveLookup(t, testIssuer, ns[0], "T1", zhangSan, 2))
	if m.Error == nil || m.Error.Code != agentws.CodeRateLimited {
		t.Fatalf("a forgotten nonce is an unproven look-up (over the rate here): %+v", m)
	}
	m, _ = r.Agent.LookupWith("kept", zhangSan, "", centretest.ProveLookup(t, testIssuer, ns[len(ns)-1], "T1", zhangSan, 3))
	checkWholeNoHistory(t, m)

	// Asking for nonces without end is refused, and the connection stays.
	refused := false
	for i := range 2 * centre.DefaultLookupBurst {
		if m := r.Agent.LookupNonce(fmt.Sprint("f", i)); m.Error != nil {
			if m.Error.Code != agentws.CodeRateLimited || m.Nonce != "" {
				t.Fatalf("refused nonce: %+v", m)
			}
			refused = true
			break
		}
	}
	if !refused {
		t.Fatal("nonces without end: none refused")
	}
	if ack := r.Agent.SendEntries(nil); ack.AckedSeq != 0 {
		t.Fatalf("after the nonces: ack %+v", ack)
	}
}

func checkWholeNoHistory(t *testing.T, m wire.Message) {
	t.Helper()
	if m.Error != nil || m.Account == nil || m.Account.Reduced || len(m.Account.Holder.Diseases) == 0 {
		t.Fatalf("proven look-up: %+v", m)
	}
}

// A centre without the issuer key judges no presence: it offers no
// nonces (a lookup_nonce_req is an unknown type, as before) and answers
// every look-up whole.
func TestNoIssuerKeyNoLookupProof(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true})
	c.Users()
	tok := c.Enrol("T1", "P001")
	a := c.Connect("T1", tok)
	if w := a.Hello(0, 1, 0); w.RulesVersion == 0 {
		t.Fatalf("welcome %+v", w)
	}
	m, _ := a.Lookup("l", zhangSan)
	if m.Account == nil || m.Account.Reduced || len(m.Account.Holder.Diseases) == 0 {
		t.Fatalf("look-up without issuer key: %+v", m)
	}
	a.Send(wire.Message{Type: wire.TypeLookupNonceReq, ID: "n"})
	a.ExpectClosedWith(agentws.CodeUnknownType)
}
