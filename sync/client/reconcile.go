package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"posagent/sync/wire"
)

// Reconciler is implemented by a Handler that takes part in the daily
// reconciliation (对账). The client decides nothing about days: while
// connected it asks for what is due, sends it and hands back the answers.
type Reconciler interface {
	// DueSummaries returns the day summaries to send now: ended days not
	// yet reconciled whose records the centre has all acknowledged. It is
	// called once a second while connected, so it must be cheap when
	// nothing is due.
	DueSummaries() ([]wire.DaySummary, error)
	// Reconciled records the centre's answer to a summary.
	Reconciled(sum wire.DaySummary, res wire.DayResult)
}

const (
	// reconcileEvery is how often a live session asks for due summaries.
	reconcileEvery = time.Second
	// reconcileWait bounds the wait for one answer.
	reconcileWait = 30 * time.Second
)

// ErrNoReconcile means the centre connected to does not answer reconcile
// (it did not say wire.FeatureReconcile in its welcome).
var ErrNoReconcile = errors.New("centre does not support daily reconciliation")

// Reconcile sends one day's summary and waits for the centre's result. It
// returns ErrOffline at once when not connected and when the connection is
// lost before the answer, and ErrNoReconcile for a centre without it.
func (c *Client) Reconcile(ctx context.Context, sum wire.DaySummary) (wire.DayResult, error) {
	s := c.current()
	if s == nil {
		return wire.DayResult{}, ErrOffline
	}
	if !s.extra[wire.FeatureReconcile] {
		return wire.DayResult{}, ErrNoReconcile
	}
	return s.reconcile(ctx, c.newID(), sum)
}

// reconcileLoop sends what the Handler says is due, when the session
// starts and every reconcileEvery, until the session ends. It does nothing
// for a Handler that is not a Reconciler or a centre without the feature.
func (s *session) reconcileLoop() {
	r, ok := s.c.cfg.Handler.(Reconciler)
	if !ok {
		return
	}
	if !s.extra[wire.FeatureReconcile] {
		s.c.log.Info("centre does not support daily reconciliation; not reconciling on this connection")
		return
	}
	tick := time.NewTicker(reconcileEvery)
	defer tick.Stop()
	for {
		s.reconcileDue(r)
		select {
		case <-s.dead:
			return
		case <-tick.C:
		}
	}
}

// reconcileDue sends each due summary in turn and records its answer; it
// stops at the first failure (the next round tries again).
func (s *session) reconcileDue(r Reconciler) {
	sums, err := r.DueSummaries()
	if err != nil {
		s.c.log.Error("daily reconciliation: cannot summarise the journal", "err", err)
		return
	}
	for _, sum := range sums {
		ctx, cancel := context.WithTimeout(context.Background(), reconcileWait)
		res, err := s.reconcile(ctx, s.c.newID(), sum)
		cancel()
		if err != nil {
			if !errors.Is(err, ErrOffline) {
				s.c.log.Warn("daily reconciliation: no answer from centre", "day", sum.Day, "err", err)
			}
			return
		}
		r.Reconciled(sum, res)
	}
}

// reconcile sends one summary and waits for the answer with the same id.
func (s *session) reconcile(ctx context.Context, id string, sum wire.DaySummary) (wire.DayResult, error) {
	ch := make(chan wire.DayResult, 1)
	s.mu.Lock()
	s.recons[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.recons, id)
		s.mu.Unlock()
	}()
	if err := s.send(ctx, wire.Message{Type: wire.TypeReconcile, ID: id, Reconcile: &sum}); err != nil {
		return wire.DayResult{}, err
	}
	select {
	case res := <-ch:
		if res.Day != sum.Day {
			return wire.DayResult{}, fmt.Errorf("reconcile %s: centre answered for day %q", sum.Day, res.Day)
		}
		return res, nil
	case <-s.dead:
		return wire.DayResult{}, ErrOffline
	case <-ctx.Done():
		return wire.DayResult{}, fmt.Errorf("reconcile %s: %w", sum.Day, ctx.Err())
	}
}

// answerReconcile delivers a reconciled message to the request waiting
// for it.
func (s *session) answerReconcile(m wire.Message) {
	s.mu.Lock()
	ch := s.recons[m.ID]
	s.mu.Unlock()
	if ch == nil {
		s.c.log.Debug("reconciliation answer nobody waits for", "id", m.ID)
		return
	}
	select {
	case ch <- *m.Reconciled:
	default: // already answered
	}
}
