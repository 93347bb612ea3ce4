package wire

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

var shanghai = time.FixedZone("CST", 8*3600)

func dayItems() []DayItem {
	return []DayItem{
		{Seq: 2, Kind: KindCharge, TxnID: "t2", CardNo: "A1", Total: 3000, Account: 2500, Cash: 500},
		{Seq: 3, Kind: KindQuote, Total: 99999},
		{Seq: 4, Kind: KindCharge, TxnID: "t4", CardNo: "A2", Total: 1200, Account: 1200},
		{Seq: 5, Kind: KindRefusal, TxnID: "", Total: 777},
		{Seq: 6, Kind: KindVoid, TxnID: "t6", CardNo: "A1", Total: 3000, Account: 2500, Cash: 500},
	}
}

func TestSummariseDayCountsChargesAndVoidsOnly(t *testing.T) {
	_, from, to := DayBounds(time.Date(2025, 3, 1, 15, 0, 0, 0, shanghai), shanghai)
	s := SummariseDay("T1", from, to, dayItems())
	want := DaySummary{Terminal: "T1", Day: "2025-03-01", From: from, To: to,
		Charges: 2, Voids: 1, Total: 4200, Account: 3700, Cash: 500, Refunded: 2500, FirstSeq: 2, LastSeq: 6}
	want.Digest = s.Digest
	if s != want {
		t.Fatalf("summary\n got %+v\nwant %+v", s, want)
	}
	if len(s.Digest) != 64 {
		t.Fatalf("digest %q is not a hex SHA-256", s.Digest)
	}

	// Order does not matter; quotes and refusals do not count.
	shuffled := slices.Clone(dayItems())
	slices.Reverse(shuffled)
	if got := SummariseDay("T1", from, to, shuffled); got != s {
		t.Fatalf("reversed items give %+v, want %+v", got, s)
	}
	withoutOthers := slices.DeleteFunc(dayItems(), func(it DayItem) bool { return it.Kind == KindQuote || it.Kind == KindRefusal })
	if got := SummariseDay("T1", from, to, withoutOthers); got != s {
		t.Fatalf("without quotes and refusals %+v, want %+v", got, s)
	}

	// An edit that keeps every sum (another card) changes only the digest.
	edited := dayItems()
	edited[2].CardNo = "A9"
	e := SummariseDay("T1", from, to, edited)
	if e.Digest == s.Digest {
		t.Fatal("an edited record kept the digest")
	}
	if diffs := CompareDays(s, e); len(diffs) != 1 || !strings.HasPrefix(diffs[0], "digest:") {
		t.Fatalf("differences %q, want the digest alone", diffs)
	}

	empty := SummariseDay("T1", from, to, nil)
	if empty.Charges != 0 || empty.FirstSeq != 0 || empty.LastSeq != 0 || empty.Digest == "" {
		t.Fatalf("empty day %+v", empty)
	}
}

func TestCompareDaysNamesEachDifference(t *testing.T) {
	_, from, to := DayBounds(time.Date(2025, 3, 1, 9, 0, 0, 0, shanghai), shanghai)
	agent := SummariseDay("T1", from, to, dayItems()[:2])
	centre := SummariseDay("T1", from, to, dayItems())
	if d := CompareDays(centre, centre); d != nil {
		t.Fatalf("a summary differs from itself: %q", d)
	}
	got := CompareDays(agent, centre)
	want := []string{
		"charges: agent 1, centre 2",
		"voids: agent 0, centre 1",
		"total: agent 3000 fen, centre 4200 fen",
		"account: agent 2500 fen, centre 3700 fen",
		"refunded: agent 0 fen, centre 2500 fen",
		"last_seq: agent 2, centre 6",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("differences\n got %q\nwant %q", got, want)
	}
}

func TestDayBoundsFollowTheZoneAcrossDaylightSaving(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	// 2025-03-09 lost an hour in New York.
	day, from, to := DayBounds(time.Date(2025, 3, 9, 12, 0, 0, 0, ny), ny)
	if day != "2025-03-09" || to.Sub(from) != 23*time.Hour {
		t.Fatalf("day %s from %v to %v, want 2025-03-09 of 23 hours", day, from, to)
	}
	s := SummariseDay("T1", from, to, nil)
	if err := s.Check(); err != nil {
		t.Fatalf("a short day fails Check: %v", err)
	}
	// A summary survives the wire with its window intact.
	raw, _ := json.Marshal(s)
	var back DaySummary
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Check(); err != nil || !back.Equal(s) {
		t.Fatalf("after JSON: %+v, %v", back, err)
	}
}

func TestCheckRefusesWindowsThatAreNotADay(t *testing.T) {
	_, from, to := DayBounds(time.Date(2025, 3, 1, 9, 0, 0, 0, shanghai), shanghai)
	good := SummariseDay("T1", from, to, nil)
	bad := map[string]func(*DaySummary){
		"no terminal":    func(s *DaySummary) { s.Terminal = "" },
		"no from":        func(s *DaySummary) { s.From = time.Time{} },
		"other day":      func(s *DaySummary) { s.Day = "2025-03-02" },
		"to before from": func(s *DaySummary) { s.To = s.From.Add(-time.Hour) },
		"two days":       func(s *DaySummary) { s.To = s.From.Add(48 * time.Hour) },
		"empty":          func(s *DaySummary) { s.To = s.From },
	}
	if err := good.Check(); err != nil {
		t.Fatalf("good summary: %v", err)
	}
	for name, spoil := range bad {
		s := good
		spoil(&s)
		if err := s.Check(); err == nil {
			t.Errorf("%s: Check accepted %+v", name, s)
		}
	}
}

// FuzzReconcileMessage decodes arbitrary messages as the centre does and
// checks that a summary Check accepts is a window of at most 25 hours
// starting on its day.
func FuzzReconcileMessage(f *testing.F) {
	_, from, to := DayBounds(time.Date(2025, 3, 1, 9, 0, 0, 0, shanghai), shanghai)
	good, _ := json.Marshal(Message{Type: TypeReconcile, ID: "1", Reconcile: ptr(SummariseDay("T1", from, to, dayItems()))})
	f.Add(good)
	f.Add([]byte(`{"type":"reconcile","id":"2","reconcile":{"terminal":"T1","day":"2025-03-01","from":"2025-03-01T00:00:00+08:00","to":"2025-03-02T00:00:00+08:00"}}`))
	f.Add([]byte(`{"type":"reconcile","reconcile":{"terminal":"T1","day":"2025-13-01","from":"2025-13-01T00:00:00Z"}}`))
	f.Add([]byte(`{"type":"reconcile","reconcile":{"terminal":"T1","day":"0001-01-01","from":"0001-01-01T00:00:00Z","to":"0001-01-02T00:00:00Z"}}`))
	f.Add([]byte(`{"reconcile":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Message
		if json.Unmarshal(data, &m) != nil || m.Reconcile == nil {
			return
		}
		s := *m.Reconcile
		if s.Check() != nil {
			return
		}
		if s.Terminal == "" || !s.From.Before(s.To) || s.To.Sub(s.From) > maxDayLength || s.From.Format(time.DateOnly) != s.Day {
			t.Fatalf("Check accepted %+v", s)
		}
		// Comparing a summary with one recomputed from nothing never panics
		// and finds a difference exactly when the figures differ.
		empty := SummariseDay(s.Terminal, s.From, s.To, nil)
		diffs := CompareDays(s, empty)
		same := s.Charges == 0 && s.Voids == 0 && s.Total == 0 && s.Account == 0 && s.Cash == 0 &&
			s.Refunded == 0 && s.FirstSeq == 0 && s.LastSeq == 0 && s.Digest == empty.Digest
		if same != (len(diffs) == 0) {
			t.Fatalf("summary %+v vs empty: differences %q", s, diffs)
		}
	})
}

func ptr[T any](v T) *T { return &v }
