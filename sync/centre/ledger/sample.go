package ledger

import (
	"cmp"
	"math/rand/v2"
	"slices"
)

// RecordKey names one synced record: its terminal and journal seq.
type RecordKey struct {
	Terminal string `json:"terminal"`
	Seq      uint64 `json:"seq"`
}

// compareKeys orders keys by terminal, then seq.
func compareKeys(a, b RecordKey) int {
	if c := cmp.Compare(a.Terminal, b.Terminal); c != 0 {
		return c
	}
	return cmp.Compare(a.Seq, b.Seq)
}

// SampleSize is how many of n records the review sample of a pharmacy's
// period holds, the audit practice of SPEC §11 ("≤ 50: all; 50–150: half;
// > 150: a third"), read with each bound belonging to the band it is
// written in:
//
//	n ≤ 50        all n
//	50 < n ≤ 150  half, rounded up: ⌈n/2⌉ (51 → 26, 150 → 75)
//	n > 150       a third, rounded up: ⌈n/3⌉ (151 → 51)
//
// Rounding up keeps the share at least what the practice asks. The bands
// are the practice's, so the size is not monotonic at 150/151 (75, then
// 51). n below zero counts as zero.
func SampleSize(n int) int {
	switch {
	case n <= 0:
		return 0
	case n <= 50:
		return n
	case n <= 150:
		return (n + 1) / 2
	default:
		return (n + 2) / 3
	}
}

// sampleStream is the PCG stream the sample draws from; with the seed it
// fixes the sample. Changing it, or the drawing below, changes the sample
// every seed already shown to a supervisor stands for.
const sampleStream = 0x73616d706c65 // "sample"

// Sample chooses SampleSize of the distinct keys reproducibly from seed:
// the same keys (in any order, duplicates counted once) and the same seed
// give the same sample. It draws with a PCG generator of its own (no
// global state) by a partial Fisher–Yates shuffle of the keys in order,
// and returns the chosen keys sorted by terminal, then seq. keys is not
// modified.
func Sample(keys []RecordKey, seed uint64) []RecordKey {
	pool := slices.Clone(keys)
	slices.SortFunc(pool, compareKeys)
	pool = slices.Compact(pool)
	k := SampleSize(len(pool))
	r := rand.New(rand.NewPCG(seed, sampleStream))
	for i := 0; i < k; i++ {
		j := i + int(r.Uint64N(uint64(len(pool)-i)))
		pool[i], pool[j] = pool[j], pool[i]
	}
	out := pool[:k:k]
	slices.SortFunc(out, compareKeys)
	return out
}
