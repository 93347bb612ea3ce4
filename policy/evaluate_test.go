package policy

import (
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"
)

// randomInput builds a cart, holder, history and state from r, mixing
// honest and abusive values and a few that can't reach Evaluate through
// the API (zero or negative quantities and prices).
func randomInput(r *rand.Rand) Input {
	codes := []string{metformin, amlodipine, atorvastatin, ibuprofen, amoxicillin, coldMedicine, insulin,
		tadalafil, levonorg, kidsCold, thermometer, proteinPowd, faceCream, vitaminC, aspirin,
		metforminXR, angelica, "D9999"}
	in := sale()
	in.Now = now.Add(time.Duration(r.IntN(48*60)-24*60) * time.Minute)
	for range r.IntN(25) {
		l := ln(codes[r.IntN(len(codes))], int64(r.IntN(12)-1), int64(r.IntN(30000)-100))
		if r.IntN(8) == 0 {
			l.Barcode = "6901234500042"
		}
		if r.IntN(4) == 0 {
			l.RxID = ""
		}
		in.Lines = append(in.Lines, l)
	}
	in.Holder.Balance = int64(r.IntN(80000) - 1000)
	in.Holder.Diseases = [][]string{nil, {"E11"}, {"I10", "E10"}}[r.IntN(3)]
	if r.IntN(10) == 0 {
		in.Holder = nil
	}
	for range r.IntN(40) {
		in.History.Purchases = append(in.History.Purchases, Purchase{
			At: in.Now.Add(-time.Duration(r.IntN(100*24)) * time.Hour), Account: int64(r.IntN(60000)),
			Items: []PurchaseItem{{Code: codes[r.IntN(len(codes))], Qty: 1, Days: int64(r.IntN(40000))}},
		})
	}
	in.Offline = r.IntN(3) == 0
	in.LastContact = in.Now.Add(-time.Duration(r.IntN(100)) * time.Hour)
	in.OfflineCardUsed, in.OfflineTerminalUsed = int64(r.IntN(25000)), int64(r.IntN(600000))
	return in
}

// randomRules sets each severity at random.
func randomRules(r *rand.Rand) func(*Rules) {
	sev := []Severity{Block, Confirm, Review}
	return func(rules *Rules) {
		for _, c := range AllCodes() {
			rules.Severities[c] = sev[r.IntN(3)]
		}
		rules.IDCheckAmount = int64(r.IntN(30000))
	}
}

// TestRandomCartsKeepTheMoneyInvariants: for every line account + cash =
// amount, totals add up, blocks pay nothing, the balance is never
// exceeded, whatever the cart, history and severities.
func TestRandomCartsKeepTheMoneyInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		b := withRules(t, randomRules(r))
		in := randomInput(r)
		d := evaluate(t, b, in)
		if in.Offline {
			limit := min(b.Rules.OfflineCardLimit-in.OfflineCardUsed, b.Rules.OfflineTerminalLimit-in.OfflineTerminalUsed)
			if d.AccountTotal > max(limit, 0) {
				t.Fatalf("offline account %d above the room left %d", d.AccountTotal, limit)
			}
		}
	}
}

func TestEvaluateIsDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		in := randomInput(r)
		a, b := Evaluate(testBundle(t), in), Evaluate(testBundle(t), in)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("two evaluations differ:\n%+v\n%+v", a, b)
		}
	}
}

// TestConcurrentEvaluationsShareABundle runs under -race: a bundle is read
// by many sales at once.
func TestConcurrentEvaluationsShareABundle(t *testing.T) {
	b := testBundle(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for range 100 {
				in := randomInput(r)
				checkInvariants(t, in, Evaluate(b, in))
			}
		})
	}
	wg.Wait()
}

// FuzzEvaluate drives random carts from the fuzzer's seed and checks the
// money invariants.
func FuzzEvaluate(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(42), uint64(0))
	f.Fuzz(func(t *testing.T, s1, s2 uint64) {
		r := rand.New(rand.NewPCG(s1, s2))
		b := withRules(t, randomRules(r))
		in := randomInput(r)
		checkInvariants(t, in, Evaluate(b, in))
	})
}
