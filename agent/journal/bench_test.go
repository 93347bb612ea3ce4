package journal

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkAppendCharge is one durable Append of a three-line charge with
// all its indexes; compare with BenchmarkBareBoltCommit in the same run.
func BenchmarkAppendCharge(b *testing.B) {
	j := openTemp(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, _, err := j.Append(charge(fmt.Sprint("t", i), "6200001", 9450, base.Add(time.Duration(i)*time.Second))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareBoltCommit is one key put in its own Update on a bbolt file
// in the same kind of directory: the floor an fsync'd append cannot beat.
func BenchmarkBareBoltCommit(b *testing.B) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	_, e, _ := openTemp(b).Append(charge("t", "6200001", 9450, base))
	val := encodeEntry(e) // the same bytes a journal entry stores
	b.ReportAllocs()
	for i := uint64(0); b.Loop(); i++ {
		err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists(bEntries)
			if err != nil {
				return err
			}
			return bk.Put(u64(i), val)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEntries reads 500-entry batches, as the sync client uploads them.
func BenchmarkEntries(b *testing.B) {
	j := openTemp(b)
	for i := range 1000 {
		if _, _, err := j.Append(charge(fmt.Sprint("t", i), "6200001", 9450, base.Add(time.Duration(i)*time.Second))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		es, err := j.Entries(uint64(i%2)*500, 500)
		if err != nil || len(es) != 500 {
			b.Fatalf("%d entries: %v", len(es), err)
		}
	}
}

// BenchmarkUnsynced is the offline-exposure check a charge makes, with a
// 10,000-record unsynced backlog over 20 cards.
func BenchmarkUnsynced(b *testing.B) {
	j := openTemp(b)
	j.db.NoSync = true // setup only: the benchmark measures reads
	for i := range 10000 {
		if _, _, err := j.Append(charge(fmt.Sprint("t", i), fmt.Sprint("62", i%20), 100, base.Add(time.Duration(i)*time.Second))); err != nil {
			b.Fatal(err)
		}
	}
	j.db.NoSync = false
	b.ReportAllocs()
	for b.Loop() {
		if c, term := j.Unsynced("627"); c != 500*100 || term != 10000*100 {
			b.Fatalf("exposure %d/%d", c, term)
		}
	}
}
