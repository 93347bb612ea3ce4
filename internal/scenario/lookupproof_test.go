package scenario

import (
	"context"
	"testing"

	"posagent/internal/demo"
	"posagent/policy"
	"posagent/sync/centre/store"
)

// metformin is restricted to certified diabetics (E11): only an account
// answer carrying the holder's diseases lets the account pay for it.
func metformin(qty int64) policy.Line {
	return policy.Line{Code: "D0001", Barcode: "6901234500011", Qty: qty, UnitPrice: 2500}
}

// lastLookup is the centre's latest logged look-up of card.
func lastLookup(t *testing.T, e *demo.Env, card string) store.Lookup {
	t.Helper()
	ls, err := e.Centre.Centre().Lookups(context.Background(), store.LookupFilter{CardNo: card, Limit: 1})
	if err != nil || len(ls) != 1 {
		t.Fatalf("look-ups of %s: %v %v", card, ls, err)
	}
	return ls[0]
}

// TestLookupIsProvenByTheCard (SPEC §9, §10): at an IC-card swipe the
// card signs the centre's look-up nonce and the agent gets the whole
// account, diseases included (metformin is not restricted for this
// diabetic); a card that does not answer AUTH gets the
// reduced answer (status and balance: a disease-restricted item is not
// paid from the account), logged as unproven, and the sale still goes on.
func TestLookupIsProvenByTheCard(t *testing.T) {
	e := startWorld(t, demo.Options{})
	card := swipe(t, e, "zhang-san")
	if q := quote(t, e, metformin(1)); hasCode(q.Lines[0].Reasons, policy.DiseaseRestricted) {
		t.Fatalf("proven look-up: %+v; want metformin not restricted for a diabetic", q)
	}
	if l := lastLookup(t, e, card.CardNo); !l.Proven || l.Refused {
		t.Fatalf("logged %+v; want a proven look-up", l)
	}

	e.MuteCard(true)
	swipe(t, e, "zhang-san")
	if q := quote(t, e, metformin(1)); q.AccountTotal != 0 || !hasCode(q.Lines[0].Reasons, policy.DiseaseRestricted) {
		t.Fatalf("look-up the card did not sign: %+v; want DISEASE_RESTRICTED, nothing from the account", q)
	}
	if l := lastLookup(t, e, card.CardNo); l.Proven || l.Refused {
		t.Fatalf("logged %+v; want an unproven look-up", l)
	}
	// The balance came all the same; the card answers again for the sale.
	e.MuteCard(false)
	q, ch := sell(t, e, vitaminC(1))
	if q.AccountTotal == 0 || ch.AccountPaid == 0 || ch.Proof != "card" {
		t.Fatalf("sale after the reduced look-up: quote %+v, charge %+v", q, ch)
	}
}
