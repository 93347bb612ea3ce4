package client

import (
	"testing"

	"posagent/sync/wire"
)

func TestSettlementsForgetOldestBeyondLimit(t *testing.T) {
	s := newSettlements(3)
	for seq := uint64(1); seq <= 5; seq++ {
		s.add([]wire.Settlement{{Seq: seq, BalanceAfter: int64(seq * 100)}})
	}
	for seq := uint64(1); seq <= 2; seq++ {
		if _, ok := s.get(seq); ok {
			t.Fatalf("seq %d still remembered past the limit", seq)
		}
	}
	for seq := uint64(3); seq <= 5; seq++ {
		st, ok := s.get(seq)
		if !ok || st.BalanceAfter != int64(seq*100) {
			t.Fatalf("seq %d = %+v, %v", seq, st, ok)
		}
	}
	// A settlement sent again (after a resend) replaces, not duplicates.
	s.add([]wire.Settlement{{Seq: 5, BalanceAfter: 7}})
	if st, _ := s.get(5); st.BalanceAfter != 7 || len(s.order) != 3 {
		t.Fatalf("resent seq 5 = %+v, order %v", st, s.order)
	}
}

func TestBoundBatchKeepsUnderLimit(t *testing.T) {
	body := make([]byte, 1000)
	es := make([]wire.Entry, 10)
	for i := range es {
		es[i] = wire.Entry{Seq: uint64(i + 1), Hash: "h", Body: body}
	}
	if got := boundBatch(es, 1<<20); len(got) != 10 {
		t.Fatalf("under the limit: kept %d of 10", len(got))
	}
	got := boundBatch(es, 3500)
	if len(got) != 3 {
		t.Fatalf("3500-byte limit: kept %d, want 3", len(got))
	}
	if got := boundBatch(es, 10); len(got) != 1 {
		t.Fatalf("tiny limit: kept %d, want the first entry alone", len(got))
	}
}
