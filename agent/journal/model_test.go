package journal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"posagent/sync/wire"
)

// model is what the journal should hold, kept the simplest way: a slice.
type model struct {
	recs   []wire.Record // index seq-1
	acked  uint64
	keys   map[string]bool
	txns   map[string]string // txn_id → kind
	voided map[string]bool
}

// unsynced recounts the offline exposure from scratch.
func (m *model) unsynced(card string) (c, term int64) {
	for _, r := range m.recs[m.acked:] {
		d := r.Account
		switch r.Kind {
		case wire.KindVoid:
			d = -d
		case wire.KindCharge:
		default:
			continue
		}
		term += d
		if r.CardNo == card {
			c += d
		}
	}
	return c, term
}

// expectVoid is the error a void of target should give.
func (m *model) expectVoid(target string) error {
	switch kind, ok := m.txns[target]; {
	case !ok:
		return ErrNotFound
	case kind != wire.KindCharge:
		return ErrVoidTarget
	case m.voided[target]:
		return ErrAlreadyVoided
	}
	return nil
}

var modelCards = []string{"6200001", "6200002", "62000021", "6200003"}

// TestModel runs random appends, voids, acks and reopens against the model,
// in the spirit of bbolt's quick tests.
func TestModel(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { runModel(t, seed, 300) })
	}
}

func runModel(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openAt(t, path)
	m := &model{keys: map[string]bool{}, txns: map[string]string{}, voided: map[string]bool{}}
	at := base
	for step := range steps {
		at = at.Add(time.Duration(rng.IntN(600)) * time.Second)
		switch p := rng.IntN(100); {
		case p < 40:
			modelCharge(t, rng, j, m, step, at)
		case p < 60:
			modelVoid(t, rng, j, m, step, at)
		case p < 75:
			rec := quote(modelCards[rng.IntN(len(modelCards))], at)
			if rng.IntN(2) == 0 {
				rec = refusal(rec.CardNo, at)
			}
			got, _ := mustAppend(t, j, rec)
			m.recs = append(m.recs, got)
		case p < 93:
			ack := rng.Uint64N(uint64(len(m.recs)) + 4)
			if err := j.SetAcked(ack); err != nil {
				t.Fatalf("step %d: set acked %d: %v", step, ack, err)
			}
			m.acked = min(ack, uint64(len(m.recs)))
		default:
			j.Close()
			j = openAt(t, path)
		}
		checkModel(t, step, j, m, step%25 == 0)
	}
	checkModel(t, steps, j, m, true)
}

func modelCharge(t *testing.T, rng *rand.Rand, j *Journal, m *model, step int, at time.Time) {
	rec := charge(fmt.Sprint("c", step), modelCards[rng.IntN(len(modelCards))], rng.Int64N(5000), at)
	var want error
	switch p := rng.IntN(10); {
	case p == 0 && len(m.keys) > 0:
		for k := range m.keys {
			rec.IdempotencyKey = k
			break
		}
		want = ErrDuplicateKey
	case p == 1 && len(m.txns) > 0:
		for txn := range m.txns {
			rec.TxnID = txn
			break
		}
		want = ErrDuplicateTxn
	case p == 2:
		rec.IdempotencyKey = ""
	}
	got, _, err := j.Append(rec)
	if !errors.Is(err, want) || (want != nil) != (err != nil) {
		t.Fatalf("step %d: charge %s key %q: %v, want %v", step, rec.TxnID, rec.IdempotencyKey, err, want)
	}
	if err != nil {
		return
	}
	m.recs = append(m.recs, got)
	m.txns[got.TxnID] = wire.KindCharge
	if got.IdempotencyKey != "" {
		m.keys[got.IdempotencyKey] = true
	}
}

func modelVoid(t *testing.T, rng *rand.Rand, j *Journal, m *model, step int, at time.Time) {
	target := fmt.Sprint("c", rng.IntN(step+1)) // often a charge, sometimes a gap
	if rng.IntN(5) == 0 {
		target = fmt.Sprint("v", rng.IntN(step+1))
	}
	var account int64
	for _, r := range m.recs {
		if r.TxnID == target {
			account = r.Account
		}
	}
	want := m.expectVoid(target)
	got, _, err := j.Append(voidOf(fmt.Sprint("v", step), target, account, at))
	if !errors.Is(err, want) || (want != nil) != (err != nil) {
		t.Fatalf("step %d: void of %s: %v, want %v", step, target, err, want)
	}
	if err != nil {
		return
	}
	m.recs = append(m.recs, got)
	m.txns[got.TxnID] = wire.KindVoid
	m.voided[target] = true
}

// checkModel compares the journal's answers with the model; deep also
// recounts the exposure from the journal's own entries and verifies it.
func checkModel(t *testing.T, step int, j *Journal, m *model, deep bool) {
	t.Helper()
	last := uint64(len(m.recs))
	if j.LastSeq() != last || j.Acked() != m.acked {
		t.Fatalf("step %d: last %d acked %d, model %d %d", step, j.LastSeq(), j.Acked(), last, m.acked)
	}
	n, oldest := j.Backlog()
	if n != last-m.acked || (n > 0 && !oldest.Equal(m.recs[m.acked].At)) || (n == 0 && !oldest.IsZero()) {
		t.Fatalf("step %d: backlog %d since %v, model %d", step, n, oldest, last-m.acked)
	}
	for _, card := range modelCards {
		c, term := j.Unsynced(card)
		if mc, mt := m.unsynced(card); c != mc || term != mt {
			t.Fatalf("step %d: unsynced %s %d/%d, model %d/%d", step, card, c, term, mc, mt)
		}
	}
	if !deep {
		return
	}
	entries, err := j.Entries(0, int(last)+10)
	if err != nil || uint64(len(entries)) != last {
		t.Fatalf("step %d: %d entries (%v), model %d", step, len(entries), err, last)
	}
	fromFile := &model{acked: m.acked}
	for _, e := range entries {
		rec, err := wire.Open(e)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		fromFile.recs = append(fromFile.recs, rec)
	}
	for _, card := range modelCards {
		c, term := j.Unsynced(card)
		if fc, ft := fromFile.unsynced(card); c != fc || term != ft {
			t.Fatalf("step %d: unsynced %s %d/%d, recount from entries %d/%d", step, card, c, term, fc, ft)
		}
	}
	if err := j.Verify(); err != nil {
		t.Fatalf("step %d: %v", step, err)
	}
}
