package store

import (
	"fmt"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// The behaviour of PutReconciliation and Reconciliations is the contract
// in storetest (run by TestBoltConformance); here is what is the bbolt
// file's own: the results and the index of mismatches survive a reopen in
// step.

func recon(terminal, pharmacy, day string, match bool) Reconciliation {
	r := Reconciliation{Terminal: terminal, Pharmacy: pharmacy, Day: day, Match: match, At: t0}
	r.Agent = wire.DaySummary{Terminal: terminal, Day: day, Charges: 3, Account: 4500}
	r.Centre = r.Agent
	if !match {
		r.Centre.Charges = 4
		r.Differences = []string{"charges: agent 3, centre 4"}
	}
	return r
}

func TestReconciliationsAndTheirMismatchIndexSurviveAReopen(t *testing.T) {
	s, path := openTest(t)
	for _, r := range []Reconciliation{
		recon("T1", "P1", "2025-03-01", false), recon("T2", "P1", "2025-03-01", false),
		recon("T1", "P1", "2025-03-02", true), recon("T2", "P1", "2025-03-01", true), // T2 fixed
	} {
		if err := s.PutReconciliation(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = reopen(t, path)
	mm, err := s.Reconciliations(ctx, ReconciliationFilter{Mismatch: true})
	if err != nil || len(mm) != 1 || mm[0].Terminal != "T1" || mm[0].Day != "2025-03-01" ||
		!slices.Equal(mm[0].Differences, []string{"charges: agent 3, centre 4"}) || mm[0].Centre.Charges != 4 {
		t.Fatalf("mismatches after reopen: %+v, %v", mm, err)
	}
	all, err := s.Reconciliations(ctx, ReconciliationFilter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("results after reopen: %+v, %v", all, err)
	}
}

func BenchmarkReconciliationsMismatchesOfAYear(b *testing.B) {
	s, _ := openTest(b)
	// One transaction for the set-up: a year of 20 terminals, one result
	// in fifty a mismatch.
	err := s.db.Update(func(tx *bolt.Tx) error {
		for d := range 365 {
			day := t0.AddDate(0, 0, d).Format("2006-01-02")
			for term := range 20 {
				r := recon(fmt.Sprintf("T%03d", term), "P1", day, (d+term)%50 != 0)
				key := reconKey(r.Day, r.Terminal)
				if err := putJSON(tx.Bucket(bucketRecon), key, r); err != nil {
					return err
				}
				if !r.Match {
					if err := tx.Bucket(bucketReconBad).Put(key, nil); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		got, err := s.Reconciliations(ctx, ReconciliationFilter{Mismatch: true, Limit: 100})
		if err != nil || len(got) != 100 {
			b.Fatalf("%d results, %v", len(got), err)
		}
	}
}
