package alerts

import (
	"fmt"
	"testing"
	"time"
)

var (
	zone = time.FixedZone("CST", 8*3600)
	day0 = time.Date(2026, 4, 1, 9, 0, 0, 0, zone)
)

func at(min int) time.Time { return day0.Add(time.Duration(min) * time.Minute) }

func lk(terminal, card string, min int, sale bool) Lookup {
	return Lookup{Terminal: terminal, Pharmacy: "P" + terminal, CardNo: card, At: at(min), Sale: sale}
}

func TestWithoutSalesCountsEachTerminalDay(t *testing.T) {
	var ls []Lookup
	// T1: 10 look-ups, 5 without a sale: exactly at both thresholds.
	for i := range 10 {
		ls = append(ls, lk("T1", fmt.Sprintf("C%d", i*7), i, i%2 == 0))
	}
	// T2: 9 look-ups, none sold: too few.
	for i := range 9 {
		ls = append(ls, lk("T2", fmt.Sprintf("C%d", i*7), i, false))
	}
	// T3: 10 look-ups, 4 without a sale: under half.
	for i := range 10 {
		ls = append(ls, lk("T3", fmt.Sprintf("C%d", i*7), i, i >= 4))
	}
	// T4: 12 unsold look-ups, but 6 of them the next day (15 h later in
	// the zone, 150 minutes apart): two days of 6, neither alerts.
	for i := range 12 {
		ls = append(ls, lk("T4", fmt.Sprintf("C%d", i*7), i*150, false))
	}
	got := WithoutSales(ls, zone, Thresholds{})
	if len(got) != 1 {
		t.Fatalf("alerts %+v, want one for T1", got)
	}
	a := got[0]
	if a.Kind != WithoutSale || a.Terminal != "T1" || a.Pharmacy != "PT1" || a.Day != "2026-04-01" ||
		a.Lookups != 10 || a.NoSale != 5 || a.SharePct != 50 ||
		!a.From.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, zone)) || !a.To.Equal(a.From.AddDate(0, 0, 1)) {
		t.Errorf("alert %+v", a)
	}
	// The day is the zone's: 23:30 and 00:30 local are two days.
	late := []Lookup{}
	for i := range 10 {
		late = append(late, Lookup{Terminal: "T5", CardNo: "X", At: time.Date(2026, 4, 1, 23, 30+i*5, 0, 0, zone)})
	}
	if got := WithoutSales(late, zone, Thresholds{}); len(got) != 0 {
		t.Errorf("look-ups across midnight alert as one day: %+v", got)
	}
	if got := WithoutSales(late, time.UTC, Thresholds{}); len(got) != 1 || got[0].Day != "2026-04-01" {
		t.Errorf("in UTC the same look-ups are one day: %+v", got)
	}
}

func TestSplitCard(t *testing.T) {
	for _, c := range []struct {
		card   string
		prefix string
		n      uint64
		ok     bool
	}{
		{"A00000001", "A", 1, true},
		{"6222000001", "", 6222000001, true},
		{"12345678901234567890", "12", 345678901234567890, true},
		{"CARD", "", 0, false},
		{"", "", 0, false},
		{"X1Y22", "X1Y", 22, true},
	} {
		got, ok := splitCard(c.card)
		if ok != c.ok || got.prefix != c.prefix || got.n != c.n {
			t.Errorf("splitCard(%q) = %+v, %v; want %q %d %v", c.card, got, ok, c.prefix, c.n, c.ok)
		}
	}
}

func TestSequentialFindsARunWithinAnHour(t *testing.T) {
	ls := []Lookup{
		lk("T1", "A00000007", 0, false),
		lk("T1", "A00000003", 10, false),
		lk("T1", "A00000005", 20, true),
		lk("T1", "B00000004", 25, false), // another prefix: not part of the run
		lk("T1", "A00000004", 30, false),
		lk("T1", "A00000006", 40, false), // 3..7 complete within 40 minutes
		lk("T1", "A00000008", 45, false), // the run grows
		lk("T2", "A00000001", 0, false),  // T2: 1,2,3,4 and 5 only after the hour
		lk("T2", "A00000002", 1, false),
		lk("T2", "A00000003", 2, false),
		lk("T2", "A00000004", 3, false),
		lk("T2", "A00000005", 61, false),
		lk("T3", "C1", 0, false), // T3: a card looked up five times is no run
		lk("T3", "C1", 1, false),
		lk("T3", "C1", 2, false),
		lk("T3", "C1", 3, false),
		lk("T3", "C1", 4, false),
	}
	got := Sequential(ls, Thresholds{})
	if len(got) != 1 {
		t.Fatalf("alerts %+v, want one for T1", got)
	}
	a := got[0]
	if a.Kind != SequentialCards || a.Terminal != "T1" || a.FirstCard != "A00000003" || a.LastCard != "A00000008" ||
		a.Consecutive != 6 || !a.From.Equal(at(0)) || !a.To.Equal(at(45)) || a.Lookups != 7 {
		t.Errorf("alert %+v", a)
	}
	// T2's fifth card within the hour of the others does alert.
	ls[11].At = at(60)
	if got := Sequential(ls, Thresholds{}); len(got) != 2 || got[1].Terminal != "T2" || got[1].Consecutive != 5 {
		t.Errorf("with T2's fifth card at 60 minutes: %+v", got)
	}
}

func TestSequentialMergesAFloodIntoOneAlert(t *testing.T) {
	var ls []Lookup
	for i := range 1000 {
		ls = append(ls, Lookup{Terminal: "R", CardNo: fmt.Sprintf("6222%06d", 100+i), At: day0.Add(time.Duration(i) * time.Second)})
	}
	got := Find(ls, zone, Thresholds{})
	kinds := map[string]int{}
	for _, a := range got {
		kinds[a.Kind]++
	}
	if kinds[SequentialCards] != 1 || kinds[WithoutSale] != 1 || len(got) != 2 {
		t.Fatalf("alerts %+v, want one of each kind", got)
	}
	for _, a := range got {
		if a.Kind == SequentialCards && (a.Consecutive != 1000 || a.FirstCard != "6222000100" || a.LastCard != "6222001099") {
			t.Errorf("sequential alert %+v", a)
		}
		if a.Kind == WithoutSale && (a.Lookups != 1000 || a.NoSale != 1000 || a.SharePct != 100) {
			t.Errorf("without-sale alert %+v", a)
		}
	}
}

func TestHonestLookupsRaiseNothing(t *testing.T) {
	// A pharmacy's day: 40 customers, random-looking cards, 36 buy.
	var ls []Lookup
	for i := range 40 {
		ls = append(ls, lk("T1", fmt.Sprintf("A%08d", (i*7919)%100000), i*12, i%10 != 0))
	}
	if got := Find(ls, zone, Thresholds{}); len(got) != 0 {
		t.Errorf("alerts on honest look-ups: %+v", got)
	}
}
