package ledger

import (
	"slices"
	"testing"
	"time"

	"posagent/sync/wire"
)

func TestBuildHistorySumsLocalDays(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, cst)
	to := from.AddDate(0, 0, 3)
	at := func(day, hour int) time.Time { return from.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour) }
	entries := []HistoryEntry{
		{At: at(0, 1), Kind: wire.KindCharge, Account: 1000},
		// 23:30 on 1 Nov in Beijing is 15:30 UTC: still the 1st.
		{At: at(0, 23).Add(30 * time.Minute), Kind: wire.KindCharge, Account: 500, Held: 200, Hold: "held", Flagged: true,
			Codes: []string{"POLICY_MISMATCH", "SPLIT_DAILY_AMOUNT"}},
		{At: at(1, 9), Kind: wire.KindCharge, Account: 700, Held: 700, Hold: "refused", Flagged: true, Codes: []string{"SPLIT_DAILY_AMOUNT"}},
		{At: at(1, 10), Kind: wire.KindCharge, Account: 300, Held: 300, Hold: "accepted", Flagged: true, Codes: []string{"OVERDRAFT"}},
		{At: at(1, 11), Kind: wire.KindCharge, Account: 400, Held: 400, Hold: "deferred", Flagged: true, Codes: []string{"OVERDRAFT"}},
		{At: at(1, 12), Kind: wire.KindVoid, Account: 1000},  // not a charge
		{At: at(3, 1), Kind: wire.KindCharge, Account: 9999}, // after the period
		{At: from.Add(-time.Second), Kind: wire.KindCharge, Account: 9999},
	}
	h := BuildHistory(entries, from, to, cst, 2)
	want := []Day{
		{Date: "2026-11-01", Charges: 2, Flagged: 1, Account: 1500, Held: 200},
		{Date: "2026-11-02", Charges: 3, Flagged: 3, Account: 1400, Held: 400, Refused: 700},
		{Date: "2026-11-03"},
	}
	if !slices.Equal(h.Days, want) {
		t.Errorf("days %+v, want %+v", h.Days, want)
	}
	if h.Total != (Day{Charges: 5, Flagged: 4, Account: 2900, Held: 600, Refused: 700}) {
		t.Errorf("total %+v", h.Total)
	}
	if wantTop := []CodeCount{{"OVERDRAFT", 2}, {"SPLIT_DAILY_AMOUNT", 2}}; !slices.Equal(h.TopCodes, wantTop) {
		t.Errorf("top codes %+v, want %+v (most first, then by code, at most 2)", h.TopCodes, wantTop)
	}
	if e := BuildHistory(nil, from, from, cst, 5); len(e.Days) != 0 || e.Days == nil || e.TopCodes == nil {
		t.Errorf("empty period: %+v; want empty lists, not null", e)
	}
}
