package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"posagent/sync/wire"
)

// Reconciler takes part in the daily reconciliation (对账); Config sets it.
// The client decides nothing about days: while connected it asks for what
// is due, sends it and hands back the answers.
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
	// reconcileWait bounds the wait for one answer: a network wait, in
	// real time (a context deadline), whatever the client's clock is.
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

// reconcileLoop sends what the Reconciler says is due, when the session
// starts and every reconcileEvery, until the session ends. It does nothing
// without a Reconciler or with a centre without the feature.
func (s *session) reconcileLoop() {
	r := s.c.cfg.Reconciler
	if r == nil {
		return
	}
	if !s.extra[wire.FeatureReconcile] {
		s.c.log.Info("centre does not support daily reconciliation; not reconciling on this connection")
		return
	}
	tick := s.c.cfg.Clock.NewTicker(reconcileEvery)
	defer tick.Stop()
	for {
		s.reconcileDue(r)
		select {
		case <-s.dead:
			return
		case <-tick.C():
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
	res, err := call(ctx, s, &s.recons, wire.Message{Type: wire.TypeReconcile, ID: id, Reconcile: &sum})
	switch {
	case errors.Is(err, ErrOffline):
		return wire.DayResult{}, err
	case err != nil:
		return wire.DayResult{}, fmt.Errorf("reconcile %s: %w", sum.Day, err)
	case res.Day != sum.Day:
		return wire.DayResult{}, fmt.Errorf("reconcile %s: centre answered for day %q", sum.Day, res.Day)
	}
	return res, nil
}

// answerReconcile delivers a reconciled message to the request waiting
// for it.
func (s *session) answerReconcile(m wire.Message) {
	if !s.recons.deliver(m.ID, *m.Reconciled) {
		s.c.log.Debug("reconciliation answer nobody waits for", "id", m.ID)
	}
}
