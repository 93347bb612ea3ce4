package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
	"posagent/sync/wire/wiretest"
)

var modelTests = []test{
	{"ExactlyOnceUnderRedelivery", testExactlyOnceModel},
	{"ConcurrentTerminalsOnSharedCards", testConcurrentTerminals},
	{"ConcurrentDeliveriesOfOneTerminal", testConcurrentSameTerminal},
}

const initialBalance = 1_000_000_000

var (
	modelCards     = []string{"C1", "C2", "C3", "C4", "C5"}
	modelTerminals = map[string]string{"T1": "P1", "T2": "P1", "T3": "P2"}
	// terminalOrder fixes the order random journals are drawn in, so a seed
	// reproduces a run.
	terminalOrder = []string{"T1", "T2", "T3"}
)

// randomJournal seals n random records for a terminal: charges, voids of
// its own earlier charges, and quotes.
func randomJournal(t testing.TB, rng *rand.Rand, terminal string, n int) *wiretest.Journal {
	j := newJournal(t, terminal)
	type charge struct {
		txnID, card string
		account     int64
	}
	var open []charge
	for range n {
		switch r := rng.IntN(10); {
		case r < 2 && len(open) > 0:
			i := rng.IntN(len(open))
			c := open[i]
			open = slices.Delete(open, i, i+1)
			j.Void(c.card, c.txnID, c.account)
		case r < 4:
			j.Quote(modelCards[rng.IntN(len(modelCards))])
		default:
			c := charge{txnID: j.NextTxnID(), card: modelCards[rng.IntN(len(modelCards))], account: rng.Int64N(5000)}
			open = append(open, c)
			j.Charge(c.card, c.account)
		}
	}
	return j
}

// modelStore opens a store with the model's cards and terminals.
func modelStore(t *testing.T, open Opener) store.Store {
	s := open(t)
	var cards []policy.Holder
	for _, c := range modelCards {
		cards = append(cards, active(c, initialBalance))
	}
	importAccounts(t, s, cards...)
	for _, term := range terminalOrder {
		enrol(t, s, term, modelTerminals[term])
	}
	return s
}

// model is what the centre should hold: the reference Apply is checked
// against.
type model struct {
	acked    map[string]uint64
	balance  map[string]int64
	settled  map[string]map[uint64]wire.Settlement
	received map[string]int // entries handed to Apply, duplicates included
}

func newModel() *model {
	m := &model{acked: map[string]uint64{}, balance: map[string]int64{}, settled: map[string]map[uint64]wire.Settlement{}, received: map[string]int{}}
	for _, c := range modelCards {
		m.balance[c] = initialBalance
	}
	for term := range modelTerminals {
		m.settled[term] = map[uint64]wire.Settlement{}
	}
	return m
}

// deliver returns what Apply should answer for a batch and moves the model.
func (m *model) deliver(t testing.TB, terminal string, batch []wire.Entry) store.ApplyResult {
	var res store.ApplyResult
	for _, e := range batch {
		m.received[terminal]++
		if e.Seq > m.acked[terminal] {
			m.acked[terminal] = e.Seq
			rec, err := wire.Open(e)
			if err != nil {
				t.Fatal(err)
			}
			if !ledger.Moves(rec.Kind) {
				continue
			}
			if rec.Kind == wire.KindCharge {
				m.balance[rec.CardNo] -= rec.Account
			} else {
				m.balance[rec.CardNo] += rec.Account
			}
			m.settled[terminal][e.Seq] = wire.Settlement{Seq: e.Seq, TxnID: rec.TxnID, BalanceAfter: m.balance[rec.CardNo]}
		}
		if st, ok := m.settled[terminal][e.Seq]; ok {
			res.Results = append(res.Results, st)
		}
	}
	res.AckedSeq = m.acked[terminal]
	return res
}

// randomBatch picks a contiguous run that starts at or before the next
// unacked seq (overlap, or a wholly old batch), sometimes with an entry
// repeated in place.
func randomBatch(rng *rand.Rand, j *wiretest.Journal, acked uint64) []wire.Entry {
	var start uint64
	if acked > 0 && rng.IntN(5) == 0 {
		start = 1 + rng.Uint64N(acked) // re-delivery of an old batch
	} else {
		back := min(acked, rng.Uint64N(8))
		start = acked + 1 - back
	}
	end := min(start+rng.Uint64N(40), uint64(len(j.Entries)))
	if start > end {
		start = end
	}
	batch := slices.Clone(j.Entries[start-1 : end])
	if rng.IntN(5) == 0 {
		i := rng.IntN(len(batch))
		batch = slices.Insert(batch, i, batch[i])
	}
	return batch
}

// testExactlyOnceModel delivers random journals in random overlapping,
// repeated and stale batches, checking every answer against the model.
func testExactlyOnceModel(t *testing.T, open Opener) {
	for _, seed := range []uint64{1, 2, uint64(time.Now().UnixNano())} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runModel(t, open, seed, 120) })
	}
}

func runModel(t *testing.T, open Opener, seed uint64, n int) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s := modelStore(t, open)
	journals := map[string]*wiretest.Journal{}
	for _, term := range terminalOrder {
		journals[term] = randomJournal(t, rng, term, n)
	}
	m := newModel()
	for rounds := 0; ; rounds++ {
		pending := slices.DeleteFunc(slices.Clone(terminalOrder), func(term string) bool { return m.acked[term] == uint64(n) })
		if len(pending) == 0 && rounds > 60 {
			break
		}
		term := terminalOrder[rng.IntN(len(terminalOrder))]
		if len(pending) > 0 && rng.IntN(4) > 0 {
			term = pending[rng.IntN(len(pending))]
		}
		batch := randomBatch(rng, journals[term], m.acked[term])
		want := m.deliver(t, term, batch)
		got, err := s.Apply(t.Context(), term, batch, store.Judging{ReceivedAt: received})
		if err != nil {
			t.Fatalf("round %d: %v", rounds, err)
		}
		if got.AckedSeq != want.AckedSeq || !slices.EqualFunc(got.Results, want.Results, settlementEqual) {
			t.Fatalf("round %d %s seqs %d..%d:\ngot  %+v\nwant %+v", rounds, term, batch[0].Seq, batch[len(batch)-1].Seq, got, want)
		}
	}
	checkFinal(t, s, m, n)
}

// checkFinal checks the store against the model: every (terminal, seq) is
// stored once, balances and chain states agree, nothing is flagged.
func checkFinal(t *testing.T, s store.Store, m *model, n int) {
	t.Helper()
	for _, c := range modelCards {
		if got := balance(t, s, c); got != m.balance[c] {
			t.Errorf("%s balance %d, model %d", c, got, m.balance[c])
		}
	}
	for term := range modelTerminals {
		tm, err := s.Terminal(t.Context(), term)
		if err != nil || tm.AckedSeq != uint64(n) {
			t.Errorf("%s: %+v %v; want acked %d", term, tm, err, n)
		}
		if m.received[term] <= n {
			t.Errorf("%s: only %d deliveries; the test did not duplicate", term, m.received[term])
		}
		ts, err := s.Transactions(t.Context(), store.Filter{Terminal: term, Limit: 10 * n})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[uint64]bool{}
		for _, x := range ts {
			if seen[x.Seq] {
				t.Errorf("%s/%d stored twice", term, x.Seq)
			}
			seen[x.Seq] = true
			if len(x.Flags) > 0 {
				t.Errorf("%s/%d flagged %v", term, x.Seq, x.Flags)
			}
		}
		if len(seen) != n {
			t.Errorf("%s: %d records stored, want %d", term, len(seen), n)
		}
	}
}

// expectedBalances is what every card holds once all journals are applied.
func expectedBalances(journals map[string]*wiretest.Journal) map[string]int64 {
	want := map[string]int64{}
	for _, c := range modelCards {
		want[c] = initialBalance
	}
	for _, j := range journals {
		for _, e := range j.Entries {
			rec, _ := wire.Open(e)
			switch rec.Kind {
			case wire.KindCharge:
				want[rec.CardNo] -= rec.Account
			case wire.KindVoid:
				want[rec.CardNo] += rec.Account
			}
		}
	}
	return want
}

// testConcurrentTerminals delivers three terminals' journals at once, each
// with re-deliveries, on shared cards.
func testConcurrentTerminals(t *testing.T, open Opener) {
	s := modelStore(t, open)
	rng := rand.New(rand.NewPCG(7, 7))
	journals := map[string]*wiretest.Journal{}
	for _, term := range terminalOrder {
		journals[term] = randomJournal(t, rng, term, 120)
	}
	var wg sync.WaitGroup
	for term, j := range journals {
		wg.Go(func() {
			for start := 0; start < len(j.Entries); start += 7 {
				from := max(0, start-5) // every batch overlaps the last
				if _, err := s.Apply(t.Context(), term, j.Entries[from:min(start+7, len(j.Entries))], store.Judging{ReceivedAt: received}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for c, w := range expectedBalances(journals) {
		if got := balance(t, s, c); got != w {
			t.Errorf("%s balance %d, want %d", c, got, w)
		}
	}
}

// testConcurrentSameTerminal races several deliveries of one terminal's
// journal (an agent reconnecting while its old connection still applies):
// each entry is applied once, and the chain is never flagged.
func testConcurrentSameTerminal(t *testing.T, open Opener) {
	s := modelStore(t, open)
	rng := rand.New(rand.NewPCG(9, 9))
	j := randomJournal(t, rng, "T1", 90)
	journals := map[string]*wiretest.Journal{"T1": j}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for start := 0; start < len(j.Entries); start += 10 {
				if _, err := s.Apply(t.Context(), "T1", j.Entries[start:min(start+10, len(j.Entries))], store.Judging{ReceivedAt: received}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for c, w := range expectedBalances(journals) {
		if got := balance(t, s, c); got != w {
			t.Errorf("%s balance %d, want %d", c, got, w)
		}
	}
	ts, err := s.Transactions(t.Context(), store.Filter{Terminal: "T1"})
	if err != nil || len(ts) != len(j.Entries) {
		t.Fatalf("%d records, %v; want %d", len(ts), err, len(j.Entries))
	}
	for _, x := range ts {
		if len(x.Flags) > 0 {
			t.Errorf("T1/%d flagged %v", x.Seq, x.Flags)
		}
	}
}
