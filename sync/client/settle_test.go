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
