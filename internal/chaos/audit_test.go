package chaos_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"posagent/internal/chaos"
)

// TestAuditFindsLossAndDoubles makes a few honest sales, then shows that
// the audit passes them and fails every way the cashiers' answers can
// disagree with the journal and the centre: an answer the journal lacks, a
// charge nobody was answered for, a wrong amount, a void that is missing.
func TestAuditFindsLossAndDoubles(t *testing.T) {
	r := newRig(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := &chaos.Cashier{POS: r.pos, Line: r.line, Name: "chaos-cashier"}
	r.waitSynced(ctx)
	var sales []chaos.Sale
	for i, price := range []int64{500, 1200, 3500, 800} {
		s, err := c.Sell(ctx, "audit-"+string(rune('a'+i)), r.world.Cards[i%2], price)
		if err != nil {
			t.Fatal(err)
		}
		if s.Account != price || s.Cash != 0 {
			t.Fatalf("sale %+v: want %d fen from the account, none in cash", s, price)
		}
		sales = append(sales, s)
	}
	v, err := c.Void(ctx, sales[1])
	if err != nil {
		t.Fatal(err)
	}
	exp := chaos.Expect{Terminal: chaos.Terminal, Sales: sales, Voids: []chaos.VoidResult{v}, Initial: r.world.Initial}
	rep := r.finish(ctx, exp)
	if rep.CentreCharges != 4 || rep.CentreVoids != 1 || rep.JournalCharges != 4 || rep.JournalVoids != 1 {
		t.Fatalf("report %+v, want 4 charges and 1 void on both sides", rep)
	}

	wrongAmount := append([]chaos.Sale(nil), sales...)
	wrongAmount[2].Account--
	ghost := sales[0]
	ghost.Key, ghost.TxnID = "audit-ghost", "T-CHAOS-ghost"
	for _, tc := range []struct {
		name string
		exp  chaos.Expect
		want []string
	}{
		{"an answered charge lost", with(exp, func(e *chaos.Expect) { e.Sales = append(e.Sales, ghost) }),
			[]string{"is not in the journal", "centre balance"}},
		{"a charge never answered", with(exp, func(e *chaos.Expect) { e.Sales = sales[1:] }),
			[]string{"was never answered", "centre balance"}},
		{"a wrong amount", with(exp, func(e *chaos.Expect) { e.Sales = wrongAmount }),
			[]string{"POS was told", "centre balance"}},
		{"a void lost", with(exp, func(e *chaos.Expect) { e.Voids = nil }),
			[]string{"was never answered to the POS", "centre balance"}},
	} {
		_, err := chaos.Audit(ctx, r.world.JournalPath(), r.world.StorePath(), tc.exp)
		if err == nil {
			t.Errorf("%s: audit passed", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: audit says %q, want it to mention %q", tc.name, err, w)
			}
		}
	}
}

// with returns a copy of e changed by f.
func with(e chaos.Expect, f func(*chaos.Expect)) chaos.Expect {
	f(&e)
	return e
}
