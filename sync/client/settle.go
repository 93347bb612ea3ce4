package client

import (
	"context"

	"posagent/sync/wire"
)

// maxSettlements is how many recent settlements WaitSettled can find. A
// charge waits for its own ack within seconds, so a few thousand is plenty.
const maxSettlements = 4096

// settlements remembers the centre's most recent settlements by seq,
// forgetting the oldest beyond a limit. It is not safe for concurrent use.
type settlements struct {
	limit int
	bySeq map[uint64]wire.Settlement
	order []uint64 // seqs in arrival order, oldest first
}

func newSettlements(limit int) settlements {
	return settlements{limit: limit, bySeq: make(map[uint64]wire.Settlement)}
}

// add remembers results, dropping the oldest beyond the limit.
func (s *settlements) add(results []wire.Settlement) {
	for _, r := range results {
		if _, dup := s.bySeq[r.Seq]; !dup {
			s.order = append(s.order, r.Seq)
		}
		s.bySeq[r.Seq] = r
	}
	if over := len(s.order) - s.limit; over > 0 {
		for _, seq := range s.order[:over] {
			delete(s.bySeq, seq)
		}
		s.order = append(s.order[:0], s.order[over:]...)
	}
}

// get returns the settlement of seq, if it is still remembered.
func (s *settlements) get(seq uint64) (wire.Settlement, bool) {
	st, ok := s.bySeq[seq]
	return st, ok
}

// WaitSettled waits until an ack covers seq and returns the centre's
// settlement of it (a zero Settlement with Seq set when the ack carried none,
// for example for a quote record or one acknowledged before). It returns
// ErrOffline when not connected or when the connection is lost, and
// ctx.Err() when ctx ends first.
func (c *Client) WaitSettled(ctx context.Context, seq uint64) (wire.Settlement, error) {
	c.mu.Lock()
	epoch := c.epoch
	for {
		if c.status.AckedSeq >= seq {
			st, ok := c.settled.get(seq)
			c.mu.Unlock()
			if !ok {
				st = wire.Settlement{Seq: seq}
			}
			return st, nil
		}
		if c.sess == nil || c.epoch != epoch {
			c.mu.Unlock()
			return wire.Settlement{}, ErrOffline
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return wire.Settlement{}, ctx.Err()
		}
		c.mu.Lock()
	}
}
