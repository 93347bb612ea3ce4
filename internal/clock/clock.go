// Package clock is the one source of time for posagent's long-running
// parts (the agent, the sync client, the reader, the centre): the current
// instant, timers and tickers. Production code takes a Clock (Real() when
// nothing is given); tests give a *Fake and move time with Advance instead
// of sleeping, then wait on conditions, never on wall-clock durations.
//
// It owns nothing else: zones are the caller's (a Clock's Now is an
// instant; format it in the pharmacy's or the region's location).
package clock

import (
	"context"
	"time"
)

// Clock tells the time and makes timers and tickers that fire by it.
type Clock interface {
	// Now is the current instant.
	Now() time.Time
	// NewTimer returns a timer that sends the time on C once d has passed.
	NewTimer(d time.Duration) Timer
	// NewTicker returns a ticker that sends the time on C every d (d > 0).
	NewTicker(d time.Duration) Ticker
}

// Timer is a time.Timer of a Clock.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; false if it had fired or was
	// stopped already.
	Stop() bool
	// Reset makes the timer fire d from now; it reports whether the timer
	// was active.
	Reset(d time.Duration) bool
}

// Ticker is a time.Ticker of a Clock.
type Ticker interface {
	C() <-chan time.Time
	Stop()
	Reset(d time.Duration)
}

// Real is the machine's clock.
func Real() Clock { return realClock{} }

// Or returns c, or Real() when c is nil: for configs whose zero value means
// "the machine's clock".
func Or(c Clock) Clock {
	if c == nil {
		return Real()
	}
	return c
}

// Sleep waits d on c, or until ctx ends; it returns ctx.Err() in that
// case and nil after the full d. A d ≤ 0 returns at once (nil unless ctx
// has ended).
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
		return nil
	}
}

var (
	_ Clock  = realClock{}
	_ Timer  = realTimer{}
	_ Ticker = realTicker{}
)

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

func (realClock) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time   { return r.t.C }
func (r realTicker) Stop()                 { r.t.Stop() }
func (r realTicker) Reset(d time.Duration) { r.t.Reset(d) }
