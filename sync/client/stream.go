package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"posagent/sync/wire"
)

const (
	// maxBatchBytes bounds one entries message, well under the centre's
	// read limit (wire.MaxAgentMessage) once the envelope is added.
	maxBatchBytes = 3 << 20
	// minBatch is the smallest batch the size adapts down to.
	minBatch = 8
)

// pump streams the outbox with one batch in flight until the session ends.
// It sends when an ack made progress, on a Kick and on every poll; an ack
// without progress waits for the next poll so a confused centre is not
// flooded. It reports whether any ack made progress.
//
// The batch size adapts to the link: it halves when a connection dies with
// a batch in flight and doubles back on every ack, so a link that drops
// more often than a full batch takes still moves the backlog forward.
func (s *session) pump(ctx context.Context, acked uint64) (progressed bool, err error) {
	tick := s.c.cfg.Clock.NewTicker(pollInterval)
	defer tick.Stop()
	var inflight uint64  // last seq of the batch awaiting its ack; 0: none
	var sentAt time.Time // when the batch in flight was sent
	defer func() {
		if inflight != 0 {
			s.c.batch = max(s.c.batch/2, minBatch)
		}
	}()
	ready := true
	for {
		if inflight == 0 && ready {
			last, err := s.sendBatch(ctx, acked)
			if errors.Is(err, ErrOffline) {
				<-s.dead
				return progressed, s.err
			}
			if err != nil {
				return progressed, err
			}
			inflight, ready, sentAt = last, last != 0, s.c.cfg.Clock.Now()
		}
		select {
		case <-s.dead:
			return progressed, s.err
		case <-s.c.kick:
			ready = true
		case <-tick.C():
			ready = true
		case a := <-s.acks:
			if err := s.c.applyAck(a, acked); err != nil {
				return progressed, err
			}
			if f := s.c.cfg.OnAck; f != nil && inflight > acked {
				f(int(inflight-acked), s.c.cfg.Clock.Now().Sub(sentAt)) // a batch is consecutive seqs
			}
			ready = a.AckedSeq > acked
			progressed = progressed || ready
			acked, inflight = a.AckedSeq, 0
			s.c.batch = min(s.c.batch*2, wire.MaxBatch)
		}
	}
}

// sendBatch sends the entries after seq, bounded by count and bytes, and
// returns the last seq sent (0: nothing to send).
func (s *session) sendBatch(ctx context.Context, after uint64) (uint64, error) {
	ob := s.c.cfg.Outbox
	if ob.LastSeq() <= after {
		return 0, nil
	}
	es, err := ob.Entries(after, s.c.batch)
	if err != nil {
		return 0, fmt.Errorf("read outbox after seq %d: %w", after, err)
	}
	if len(es) == 0 {
		return 0, nil
	}
	es = boundBatch(es, maxBatchBytes)
	if err := s.send(ctx, wire.Message{Type: wire.TypeEntries, Entries: es}); err != nil {
		return 0, err
	}
	return es[len(es)-1].Seq, nil
}

// boundBatch keeps the longest prefix of es whose encoding stays within
// limit bytes, and at least one entry.
func boundBatch(es []wire.Entry, limit int) []wire.Entry {
	const envelope, perEntry = 64, 48 // JSON keys and punctuation
	size := envelope
	for i, e := range es {
		size += len(e.Body) + len(e.Hash) + perEntry
		if size > limit && i > 0 {
			return es[:i]
		}
	}
	return es
}

// applyAck moves the outbox cursor to the centre's acked seq, remembers the
// settlements and wakes WaitSettled callers.
func (c *Client) applyAck(a wire.Ack, prev uint64) error {
	if last := c.cfg.Outbox.LastSeq(); a.AckedSeq > last {
		return fmt.Errorf("centre acknowledged seq %d but the journal ends at %d: %w", a.AckedSeq, last, ErrJournalReplaced)
	}
	if a.AckedSeq != prev {
		if err := c.cfg.Outbox.SetAcked(a.AckedSeq); err != nil {
			return fmt.Errorf("record ack of seq %d: %w", a.AckedSeq, err)
		}
	}
	now := c.cfg.Clock.Now()
	c.mu.Lock()
	c.status.AckedSeq = a.AckedSeq
	c.status.LastSync = now
	c.settled.add(a.Results)
	c.broadcast()
	c.mu.Unlock()
	return nil
}
