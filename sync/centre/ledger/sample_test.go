package ledger

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSampleSize(t *testing.T) {
	cases := []struct{ n, want int }{
		{-1, 0}, {0, 0}, {1, 1}, {50, 50}, {51, 26}, {52, 26},
		{150, 75}, {151, 51}, {152, 51}, {153, 51}, {154, 52}, {1000, 334},
	}
	for _, c := range cases {
		if got := SampleSize(c.n); got != c.want {
			t.Errorf("SampleSize(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

// keysOf makes n distinct keys over three terminals.
func keysOf(n int) []RecordKey {
	keys := make([]RecordKey, n)
	for i := range keys {
		keys[i] = RecordKey{Terminal: fmt.Sprintf("T%d", i%3), Seq: uint64(i/3 + 1)}
	}
	return keys
}

func TestSampleDrawsTheRuleFromTheInput(t *testing.T) {
	for _, n := range []int{0, 1, 50, 51, 150, 151, 1000} {
		keys := keysOf(n)
		in := make(map[RecordKey]bool, n)
		for _, k := range keys {
			in[k] = true
		}
		got := Sample(keys, 42)
		if len(got) != SampleSize(n) {
			t.Errorf("n=%d: %d keys, want %d", n, len(got), SampleSize(n))
		}
		if !slices.IsSortedFunc(got, compareKeys) {
			t.Errorf("n=%d: sample not sorted", n)
		}
		seen := map[RecordKey]bool{}
		for _, k := range got {
			if !in[k] {
				t.Errorf("n=%d: %v is not in the input", n, k)
			}
			if seen[k] {
				t.Errorf("n=%d: %v chosen twice", n, k)
			}
			seen[k] = true
		}
	}
}

func TestSampleIsReproducible(t *testing.T) {
	keys := keysOf(400)
	a := Sample(keys, 7)
	shuffled := slices.Clone(keys)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})
	if b := Sample(shuffled, 7); !slices.Equal(a, b) {
		t.Error("the same keys in another order gave another sample")
	}
	if b := Sample(keys, 7); !slices.Equal(a, b) {
		t.Error("the same seed gave another sample")
	}
	if b := Sample(keys, 8); slices.Equal(a, b) {
		t.Error("seeds 7 and 8 gave the same sample of 134 out of 400")
	}
	if !slices.Equal(keys, keysOf(400)) {
		t.Error("Sample modified its input")
	}
}

func TestSampleCountsDuplicatesOnce(t *testing.T) {
	keys := append(keysOf(60), keysOf(60)...) // 60 distinct: half is 30
	if got := Sample(keys, 1); len(got) != 30 {
		t.Errorf("%d keys, want 30", len(got))
	}
}
