package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"posagent/sync/centre/store"
)

var lookupTests = []test{
	{"FilterAndOrderNewestFirst", testLookupsFilterAndOrder},
	{"FollowedByASale", testLookupsFollowedByASale},
	{"RefusesBadNames", testLookupsRefuseBadNames},
}

func logLookups(t *testing.T, s store.Store, ls ...store.Lookup) {
	t.Helper()
	for _, l := range ls {
		if err := s.LogLookup(t.Context(), l); err != nil {
			t.Fatal(err)
		}
	}
}

func listLookups(t *testing.T, s store.Store, f store.LookupFilter) []store.Lookup {
	t.Helper()
	got, err := s.Lookups(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// lookupKeys names look-ups terminal/card@(at − t0).
func lookupKeys(ls []store.Lookup) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		out = append(out, fmt.Sprintf("%s/%s@%s", l.Terminal, l.CardNo, l.At.Sub(t0)))
	}
	return out
}

func testLookupsFilterAndOrder(t *testing.T, open Opener) {
	s := open(t)
	lk := func(terminal, pharmacy, card string, at time.Time, found, refused bool) store.Lookup {
		return store.Lookup{Terminal: terminal, Pharmacy: pharmacy, CardNo: card, At: at, Found: found, Refused: refused}
	}
	logLookups(t, s,
		lk("T1", "P1", "C1", minute(1), true, false),
		lk("T2", "P1", "C2", minute(3), false, false),
		lk("T1", "P1", "C3", minute(2).Add(7), true, true), // nanoseconds survive
		lk("T3", "P2", "C1", minute(3), true, false),       // same instant as T2's: logged later, listed first
		lk("T10", "P1", "C1", minute(5), true, false),
	)
	cases := []struct {
		f    store.LookupFilter
		want []string
	}{
		{store.LookupFilter{}, []string{"T10/C1@5m0s", "T3/C1@3m0s", "T2/C2@3m0s", "T1/C3@2m0.000000007s", "T1/C1@1m0s"}},
		{store.LookupFilter{Terminal: "T1"}, []string{"T1/C3@2m0.000000007s", "T1/C1@1m0s"}},
		{store.LookupFilter{Pharmacy: "P1"}, []string{"T10/C1@5m0s", "T2/C2@3m0s", "T1/C3@2m0.000000007s", "T1/C1@1m0s"}},
		{store.LookupFilter{CardNo: "C1"}, []string{"T10/C1@5m0s", "T3/C1@3m0s", "T1/C1@1m0s"}},
		{store.LookupFilter{From: minute(2).Add(7), To: minute(5)}, []string{"T3/C1@3m0s", "T2/C2@3m0s", "T1/C3@2m0.000000007s"}},
		{store.LookupFilter{From: minute(2).Add(8)}, []string{"T10/C1@5m0s", "T3/C1@3m0s", "T2/C2@3m0s"}},
		{store.LookupFilter{Limit: 2}, []string{"T10/C1@5m0s", "T3/C1@3m0s"}},
		{store.LookupFilter{Terminal: "T\x001"}, []string{}},
		{store.LookupFilter{CardNo: "C9"}, []string{}},
	}
	for _, c := range cases {
		if got := lookupKeys(listLookups(t, s, c.f)); !slices.Equal(got, c.want) {
			t.Errorf("filter %+v: got %q, want %q", c.f, got, c.want)
		}
	}
	got := listLookups(t, s, store.LookupFilter{Terminal: "T1"})
	if len(got) != 2 || !got[0].Refused || !got[0].Found || got[0].Pharmacy != "P1" || !got[0].At.Equal(minute(2).Add(7)) ||
		got[1].Refused || !got[1].Found {
		t.Errorf("T1's look-ups %+v: fields not kept", got)
	}
	if got := listLookups(t, s, store.LookupFilter{Terminal: "T2"}); len(got) != 1 || got[0].Found || got[0].Sale {
		t.Errorf("T2's look-up %+v: want not found, no sale", got)
	}
}

// testLookupsFollowedByASale logs look-ups around querySetup's records: a
// charge of the same terminal and card dated, or received, from 5 minutes
// before to 30 minutes after the look-up (exclusive) makes it followed by
// a sale; a quote, another terminal's charge or another card's does not.
func testLookupsFollowedByASale(t *testing.T, open Opener) {
	s := querySetup(t, open)
	lk := func(terminal, card string, at time.Time) store.Lookup {
		return store.Lookup{Terminal: terminal, Pharmacy: "P1", CardNo: card, At: at, Found: true}
	}
	logLookups(t, s,
		lk("T1", "C1", minute(0)),                 // T1 charges C1 at 10: sale
		lk("T1", "C1", minute(14)),                // 10 is 4 minutes before: within the skew, sale
		lk("T1", "C1", minute(16)),                // 10 is 6 minutes before; C1 at 15 and 35 is T2's and T3's: none
		lk("T1", "C1", minute(-20)),               // 10 is exactly 30 minutes after: none
		lk("T1", "C1", minute(-20).Add(-1)),       // a nanosecond earlier still: none
		lk("T1", "C1", minute(-20).Add(1)),        // a nanosecond later: sale
		lk("T1", "C2", minute(0)),                 // only a quote (20) before 30: none
		lk("T2", "C3", minute(0)),                 // T2 charges C3 at 25: sale
		lk("T3", "C1", minute(40)),                // T3 charges C1 at 35, 5 minutes before: sale
		lk("T3", "C9", minute(40)),                // T3's C9 charge is at 05: none
		lk("T2", "C1", received.Add(time.Minute)), // T2's C1 charge was received a minute before: sale
		lk("T2", "C2", received),                  // T2 never charged C2: none
	)
	sales := map[string]bool{}
	for _, l := range listLookups(t, s, store.LookupFilter{}) {
		sales[lookupKeys([]store.Lookup{l})[0]] = l.Sale
	}
	want := map[string]bool{
		"T1/C1@0s": true, "T1/C1@14m0s": true, "T1/C1@16m0s": false, "T1/C1@-20m0s": false,
		"T1/C1@-20m0.000000001s": false, "T1/C1@-19m59.999999999s": true, "T1/C2@0s": false,
		"T2/C3@0s": true, "T3/C1@40m0s": true, "T3/C9@40m0s": false,
		"T2/C1@72h1m0s": true, "T2/C2@72h0m0s": false,
	}
	for k, w := range want {
		got, ok := sales[k]
		if !ok {
			t.Errorf("look-up %s not listed (have %v)", k, sales)
			continue
		}
		if got != w {
			t.Errorf("look-up %s: sale %v, want %v", k, got, w)
		}
	}
	without := lookupKeys(listLookups(t, s, store.LookupFilter{WithoutSale: true}))
	wantWithout := []string{"T2/C2@72h0m0s", "T3/C9@40m0s", "T1/C1@16m0s", "T1/C2@0s", "T1/C1@-20m0s", "T1/C1@-20m0.000000001s"}
	if !slices.Equal(without, wantWithout) {
		t.Errorf("without a sale: got %q, want %q", without, wantWithout)
	}
	if got := lookupKeys(listLookups(t, s, store.LookupFilter{WithoutSale: true, Terminal: "T1", Limit: 2})); !slices.Equal(got, []string{"T1/C1@16m0s", "T1/C2@0s"}) {
		t.Errorf("T1 without a sale, limit 2: got %q", got)
	}
}

func testLookupsRefuseBadNames(t *testing.T, open Opener) {
	s := open(t)
	for _, l := range []store.Lookup{
		{Terminal: "", CardNo: "C1", At: t0},
		{Terminal: "T\x001", CardNo: "C1", At: t0},
		{Terminal: "T1", CardNo: "", At: t0},
		{Terminal: "T1", CardNo: "C\x001", At: t0},
	} {
		if err := s.LogLookup(t.Context(), l); err == nil {
			t.Errorf("LogLookup(%q, %q) stored", l.Terminal, l.CardNo)
		}
	}
	if got := listLookups(t, s, store.LookupFilter{}); len(got) != 0 {
		t.Errorf("refused look-ups were stored: %+v", got)
	}
}
