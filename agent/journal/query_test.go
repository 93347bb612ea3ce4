package journal

import (
	"testing"
	"time"

	"posagent/sync/wire"
)

func seqs(recs []wire.Record) []uint64 {
	out := make([]uint64, len(recs))
	for i, r := range recs {
		out[i] = r.Seq
	}
	return out
}

func equalSeqs(a []uint64, b ...uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCardChargesSkipsVoidedAndOtherCards(t *testing.T) {
	j := openTemp(t)
	day := time.Date(2025, 3, 14, 0, 0, 0, 0, cst)
	mustAppend(t, j, charge("t1", "A", 100, day.Add(-time.Hour)))    // 1: yesterday
	mustAppend(t, j, charge("t2", "A", 100, day.Add(9*time.Hour)))   // 2
	mustAppend(t, j, charge("t3", "AB", 100, day.Add(9*time.Hour)))  // 3: a card whose number extends A's
	mustAppend(t, j, charge("t4", "A", 100, day.Add(11*time.Hour)))  // 4: voided below
	mustAppend(t, j, voidOf("v4", "t4", 100, day.Add(12*time.Hour))) // 5
	mustAppend(t, j, charge("t6", "A", 100, day.Add(10*time.Hour)))  // 6: clock went back
	mustAppend(t, j, quote("A", day.Add(13*time.Hour)))              // 7

	got, err := j.CardCharges("A", day)
	if err != nil {
		t.Fatal(err)
	}
	if !equalSeqs(seqs(got), 2, 6) {
		t.Fatalf("charges of A since midnight: seqs %v, want [2 6] (oldest first, no voided)", seqs(got))
	}
	all, _ := j.CardCharges("A", time.Time{})
	if !equalSeqs(seqs(all), 1, 2, 6) {
		t.Fatalf("all charges of A: %v", seqs(all))
	}
	if none, _ := j.CardCharges("Z", time.Time{}); len(none) != 0 {
		t.Fatalf("unknown card has %d charges", len(none))
	}
}

func TestDayListsOneLocalDay(t *testing.T) {
	j := openTemp(t)
	day := time.Date(2025, 3, 14, 0, 0, 0, 0, cst)
	mustAppend(t, j, charge("t1", "A", 100, day.Add(-time.Nanosecond))) // 1: the day before
	mustAppend(t, j, charge("t2", "A", 100, day))                       // 2: first instant
	mustAppend(t, j, refusal("B", day.Add(8*time.Hour)))                // 3
	mustAppend(t, j, quote("A", day.Add(8*time.Hour)))                  // 4: not listed
	mustAppend(t, j, charge("t5", "B", 100, day.Add(23*time.Hour)))     // 5
	mustAppend(t, j, voidOf("v2", "t2", 100, day.Add(7*time.Hour)))     // 6
	mustAppend(t, j, charge("t7", "A", 100, day.Add(24*time.Hour)))     // 7: next day
	mustAppend(t, j, charge("t8", "A", 100, day.UTC()))                 // 8: midnight, written in UTC

	got, err := j.Day(day.Add(15*time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	if !equalSeqs(seqs(got), 2, 3, 5, 6, 8) {
		t.Fatalf("day: seqs %v, want [2 3 5 6 8]", seqs(got))
	}
	onlyA, _ := j.Day(day, "A")
	if !equalSeqs(seqs(onlyA), 2, 6, 8) {
		t.Fatalf("day for card A: seqs %v, want [2 6 8]", seqs(onlyA))
	}
}
