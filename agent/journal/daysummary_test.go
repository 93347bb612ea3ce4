package journal

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

func TestDaySummaryCountsOneLocalDaysChargesAndVoids(t *testing.T) {
	j := openTemp(t)
	if _, err := j.FirstAt(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty journal: FirstAt err %v, want ErrNotFound", err)
	}
	_, from, to := wire.DayBounds(base, cst)
	mustAppend(t, j, charge("t1", "A", 900, from.Add(-time.Nanosecond))) // 1: the day before
	mustAppend(t, j, charge("t2", "A", 1000, from))                      // 2: first instant
	mustAppend(t, j, refusal("B", from.Add(8*time.Hour)))                // 3: not counted
	mustAppend(t, j, quote("A", from.Add(8*time.Hour)))                  // 4: not counted
	mustAppend(t, j, charge("t5", "B", 2000, from.Add(23*time.Hour)))    // 5
	mustAppend(t, j, voidOf("v2", "t2", 1000, from.Add(9*time.Hour)))    // 6
	mustAppend(t, j, charge("t7", "A", 4000, to))                        // 7: next day's first instant

	got, err := j.DaySummary(from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := wire.DaySummary{Terminal: "T1", Day: "2025-03-14", From: from, To: to,
		Charges: 2, Voids: 1, Total: 3700, Account: 3000, Cash: 700, Refunded: 1000, FirstSeq: 2, LastSeq: 6, AsOfSeq: 7}
	want.Digest = got.Digest
	if !got.Equal(want) {
		t.Fatalf("summary\n got %+v\nwant %+v", got, want)
	}
	// The summary is the one the centre computes from the same records.
	var items []wire.DayItem
	for seq := uint64(1); seq <= j.LastSeq(); seq++ {
		rec, _, err := j.Get(seq)
		if err != nil {
			t.Fatal(err)
		}
		if !rec.At.Before(from) && rec.At.Before(to) {
			items = append(items, wire.ItemOf(rec))
		}
	}
	centre := wire.SummariseDay("T1", from, to, items)
	centre.AsOfSeq = 7
	if !centre.Equal(got) {
		t.Fatalf("journal summary %+v, summary of its records %+v", got, centre)
	}

	first, err := j.FirstAt()
	if err != nil || !first.Equal(from.Add(-time.Nanosecond)) {
		t.Fatalf("FirstAt = %v, %v; want the first charge's time", first, err)
	}
	empty, err := j.DaySummary(to.AddDate(0, 0, 1), to.AddDate(0, 0, 2))
	if err != nil || empty.Charges != 0 || empty.LastSeq != 0 {
		t.Fatalf("a day without records: %+v, %v", empty, err)
	}
}

func TestDaySummaryCountsADamagedJournalAsItStands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openAt(t, path)
	_, from, to := wire.DayBounds(base, cst)
	mustAppend(t, j, charge("t1", "A", 1000, base))
	mustAppend(t, j, charge("t2", "A", 2000, base.Add(time.Hour)))
	mustAppend(t, j, charge("t3", "B", 3000, base.Add(2*time.Hour)))
	honest, err := j.DaySummary(from, to)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()

	// Someone with the disk deletes charge 1 and raises charge 3 in place,
	// keeping its hash.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bEntries)
		if err := b.Delete(u64(1)); err != nil {
			return err
		}
		v := b.Get(u64(3))
		edited := bytes.Replace(v[hashLen:], []byte(`"account":3000`), []byte(`"account":9000`), 1)
		return b.Put(u64(3), append(append([]byte{}, v[:hashLen]...), edited...))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	j = openAt(t, path)
	got, err := j.DaySummary(from, to)
	if err != nil {
		t.Fatalf("a damaged day must still be summarised: %v", err)
	}
	if got.Charges != 2 || got.Account != 11000 || got.FirstSeq != 2 || got.LastSeq != 3 {
		t.Fatalf("damaged day %+v, want charges 2 and 3 with the edited amount", got)
	}
	if d := wire.CompareDays(got, honest); len(d) == 0 {
		t.Fatal("the damaged day compares equal to the honest one")
	}
}

// BenchmarkDaySummary summarises a busy counter's day: 1000 charges among
// 1000 refusals and 1000 quotes.
func BenchmarkDaySummary(b *testing.B) {
	j := openTemp(b)
	_, from, to := wire.DayBounds(base, cst)
	var recs []wire.Record
	for i := range 1000 {
		at := from.Add(time.Duration(i) * 40 * time.Second)
		recs = append(recs, charge(fmt.Sprintf("t%d", i), "A", 1000, at), refusal("B", at), quote("A", at))
	}
	if _, err := j.AppendBatch(recs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		s, err := j.DaySummary(from, to)
		if err != nil || s.Charges != 1000 {
			b.Fatalf("%+v, %v", s, err)
		}
	}
}
