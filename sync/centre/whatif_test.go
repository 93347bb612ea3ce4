package centre_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
)

// draftRules is the sample rules with daily_amount set to amount fen.
func draftRules(t *testing.T, amount string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(centretest.Testdata(t), "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"daily_amount": 60000`) {
		t.Fatal("the sample rules have no daily_amount of 60000")
	}
	return []byte(strings.Replace(string(raw), `"daily_amount": 60000`, `"daily_amount": `+amount, 1))
}

// On each store: three honest charges of a card at P1 on one day, 980 fen
// each, and one at P2 the next day; the published rules as the draft
// change nothing, a daily_amount of 15 yuan holds the first day's second
// and third, not the next day's. Nothing is stored.
func TestWhatIfOnEachStore(t *testing.T) {
	for _, kind := range centretest.Stores {
		t.Run(string(kind), func(t *testing.T) {
			c := centretest.StartWithOptions(t, centretest.Options{Sample: true, Store: kind})
			ctx := context.Background()
			now := c.Now()
			ats := []time.Time{now.Add(-3 * time.Hour), now.Add(-2 * time.Hour), now.Add(-time.Hour)}
			c.SeedHonestCharges("T1", "P1", "A00000002", centretest.WhatIfLines, ats)
			c.Clock.Set(now.AddDate(0, 0, 1))
			another := policy.Line{Code: "D0011", Barcode: "6901234500110", Qty: 1, UnitPrice: 980} // no supply overlap with the day before
			c.SeedHonestCharges("T2", "P2", "A00000002", []policy.Line{another}, []time.Time{now.AddDate(0, 0, 1).Add(-time.Minute)})

			cat, err := os.ReadFile(filepath.Join(centretest.Testdata(t), "catalogue.csv"))
			if err != nil {
				t.Fatal(err)
			}
			from, to, err := c.Centre().WhatIfDays(now.Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly))
			if err != nil {
				t.Fatal(err)
			}
			same, err := centre.ParseDraft(cat, draftRules(t, "60000"))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := c.Centre().WhatIf(ctx, same, from, to)
			if err != nil || rep.Charges != 4 || rep.Changed != 0 || len(rep.Codes) != 0 {
				t.Fatalf("same rules: %+v (%v)", rep, err)
			}

			tight, err := centre.ParseDraft(cat, draftRules(t, "1500"))
			if err != nil {
				t.Fatal(err)
			}
			rep, err = c.Centre().WhatIf(ctx, tight, from, to)
			if err != nil || rep.Charges != 4 || rep.Changed != 2 || len(rep.Totals) != 2 {
				t.Fatalf("tight rules: %+v (%v)", rep, err)
			}
			p1, p2 := rep.Totals[0], rep.Totals[1]
			if p1.Pharmacy != "P1" || p1.Gained != 2 || p1.HeldBefore != 0 || p1.HeldAfter != 1960 || p2.Changed != 0 || p2.HeldAfter != 0 {
				t.Fatalf("tight rules totals: %+v", rep.Totals)
			}
			found := false
			for _, r := range rep.Codes {
				if r.Pharmacy == "P1" && r.Code == string(policy.SplitDailyAmount) {
					found = r.Gained == 2 && r.HeldAfter == 1960
				}
			}
			if !found {
				t.Fatalf("no SPLIT_DAILY_AMOUNT row of 2 charges, 1960 fen: %+v", rep.Codes)
			}
			if held := c.Txns(store.Filter{Held: true}); len(held) != 0 {
				t.Fatalf("the what-if stored holds: %+v", held)
			}

			// The period of the first day alone.
			from, to, _ = c.Centre().WhatIfDays(now.Format(time.DateOnly), now.Format(time.DateOnly))
			if rep, err = c.Centre().WhatIf(ctx, tight, from, to); err != nil || rep.Charges != 3 {
				t.Fatalf("first day: %+v (%v)", rep, err)
			}
		})
	}
}

func TestWhatIfRefusesBadInput(t *testing.T) {
	c := centretest.Start(t)
	for _, d := range [][2]string{{"2026-04-30", "2026-04-01"}, {"2026-4-1", "2026-04-02"}, {"2026-04-01", "tomorrow"}, {"2025-01-01", "2026-04-01"}} {
		if _, _, err := c.Centre().WhatIfDays(d[0], d[1]); !errors.Is(err, centre.ErrInvalid) {
			t.Errorf("WhatIfDays(%s, %s) = %v, want ErrInvalid", d[0], d[1], err)
		}
	}
	if _, err := centre.ParseDraft([]byte("code\n"), []byte(`{}`)); !errors.Is(err, centre.ErrInvalid) {
		t.Errorf("a bad catalogue: %v", err)
	}
	if _, err := centre.ParseDraft([]byte(centretest.Catalogue), []byte(`{"daily_amount":`)); !errors.Is(err, centre.ErrInvalid) {
		t.Errorf("bad rules: %v", err)
	}
}
