package storetest

import (
	"slices"
	"testing"
	"time"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

var reconciliationTests = []test{
	{"FilterAndOrderNewestDayFirst", testReconciliationsFilterAndOrder},
	{"ReplaceKeepsEveryField", testReconciliationsReplace},
	{"RefusesBadKeys", testReconciliationsRefuseBadKeys},
}

func recon(terminal, pharmacy, day string, match bool) store.Reconciliation {
	r := store.Reconciliation{Terminal: terminal, Pharmacy: pharmacy, Day: day, Match: match, At: t0}
	r.Agent = wire.DaySummary{Terminal: terminal, Day: day, Charges: 3, Account: 4500}
	r.Centre = r.Agent
	if !match {
		r.Centre.Charges = 4
		r.Differences = []string{"charges: agent 3, centre 4"}
	}
	return r
}

func putRecon(t *testing.T, s store.Store, rs ...store.Reconciliation) {
	t.Helper()
	for _, r := range rs {
		if err := s.PutReconciliation(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
}

func reconKeys(rs []store.Reconciliation) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Day+"/"+r.Terminal)
	}
	return out
}

func testReconciliationsFilterAndOrder(t *testing.T, open Opener) {
	s := open(t)
	putRecon(t, s, recon("T1", "P1", "2025-03-01", true), recon("T2", "P1", "2025-03-01", false),
		recon("T1", "P1", "2025-03-02", false), recon("T3", "P2", "2025-03-02", true),
		recon("T1", "P1", "2025-02-28", true), recon("T10", "P1", "2025-03-01", true))
	cases := []struct {
		f    store.ReconciliationFilter
		want []string
	}{
		{store.ReconciliationFilter{}, []string{"2025-03-02/T3", "2025-03-02/T1", "2025-03-01/T2", "2025-03-01/T10", "2025-03-01/T1", "2025-02-28/T1"}},
		{store.ReconciliationFilter{Terminal: "T1"}, []string{"2025-03-02/T1", "2025-03-01/T1", "2025-02-28/T1"}},
		{store.ReconciliationFilter{Day: "2025-03-01"}, []string{"2025-03-01/T2", "2025-03-01/T10", "2025-03-01/T1"}},
		{store.ReconciliationFilter{Mismatch: true}, []string{"2025-03-02/T1", "2025-03-01/T2"}},
		{store.ReconciliationFilter{Pharmacy: "P2"}, []string{"2025-03-02/T3"}},
		{store.ReconciliationFilter{Day: "2025-03-02", Terminal: "T1", Mismatch: true}, []string{"2025-03-02/T1"}},
		{store.ReconciliationFilter{Day: "2025-03-03"}, []string{}},
		{store.ReconciliationFilter{Terminal: "T\x001"}, []string{}},
		{store.ReconciliationFilter{Limit: 2}, []string{"2025-03-02/T3", "2025-03-02/T1"}},
	}
	for _, c := range cases {
		got, err := s.Reconciliations(t.Context(), c.f)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(reconKeys(got), c.want) {
			t.Errorf("filter %+v: got %q, want %q", c.f, reconKeys(got), c.want)
		}
	}
}

func testReconciliationsReplace(t *testing.T, open Opener) {
	s := open(t)
	putRecon(t, s, recon("T1", "P1", "2025-03-02", false), recon("T2", "P1", "2025-03-01", false))
	fixed := recon("T1", "P1", "2025-03-02", true)
	zone := time.FixedZone("", 8*3600)
	fixed.Agent.From = time.Date(2025, 3, 2, 0, 0, 0, 0, zone)
	fixed.Agent.To = fixed.Agent.From.AddDate(0, 0, 1)
	fixed.Agent.Digest, fixed.Agent.FirstSeq, fixed.Agent.LastSeq = "ab12", 7, 19
	fixed.Centre = fixed.Agent
	putRecon(t, s, fixed)
	got, err := s.Reconciliations(t.Context(), store.ReconciliationFilter{Day: "2025-03-02", Terminal: "T1"})
	if err != nil || len(got) != 1 {
		t.Fatalf("%+v %v", got, err)
	}
	g := got[0]
	if !g.Match || g.Differences != nil || g.Pharmacy != "P1" || !g.At.Equal(t0) ||
		g.Agent.Digest != "ab12" || g.Agent.LastSeq != 19 || g.Centre.Charges != 3 ||
		g.Agent.From.Format(time.RFC3339) != "2025-03-02T00:00:00+08:00" || !g.Agent.To.Equal(fixed.Agent.To) {
		t.Fatalf("after replace: %+v\nwant %+v", g, fixed)
	}
	mm, err := s.Reconciliations(t.Context(), store.ReconciliationFilter{Mismatch: true})
	if err != nil || !slices.Equal(reconKeys(mm), []string{"2025-03-01/T2"}) {
		t.Fatalf("mismatches after the fix: %q %v", reconKeys(mm), err)
	}
	if d := mm[0].Differences; !slices.Equal(d, []string{"charges: agent 3, centre 4"}) {
		t.Fatalf("differences %q", d)
	}
}

func testReconciliationsRefuseBadKeys(t *testing.T, open Opener) {
	s := open(t)
	for _, r := range []store.Reconciliation{
		recon("", "P1", "2025-03-01", true),
		recon("T\x001", "P1", "2025-03-01", true),
		recon("T1", "P1", "2025-3-1", true),
		recon("T1", "P1", "", true),
	} {
		if err := s.PutReconciliation(t.Context(), r); err == nil {
			t.Errorf("stored terminal %q day %q", r.Terminal, r.Day)
		}
	}
	if got, _ := s.Reconciliations(t.Context(), store.ReconciliationFilter{}); len(got) != 0 {
		t.Fatalf("stored %d results of bad keys", len(got))
	}
}
