package clock

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Fake is a Clock that moves only when told to. Timers and tickers made
// from it fire, in deadline order, when Advance or Set passes their
// deadline; channels are buffered (one tick, like the time package's), so
// a slow reader drops ticks rather than blocking the test. Safe for
// concurrent use.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*fakeWaiter
	changed chan struct{} // closed and replaced whenever waiters change
}

// NewFake returns a Fake clock reading start.
func NewFake(start time.Time) *Fake {
	return &Fake{now: start, changed: make(chan struct{})}
}

var (
	_ Clock  = (*Fake)(nil)
	_ Timer  = (*fakeWaiter)(nil)
	_ Ticker = fakeTicker{}
)

type fakeWaiter struct {
	f      *Fake
	at     time.Time
	period time.Duration // 0 for a timer
	c      chan time.Time
	active bool
}

// Now is the fake's current time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer returns a timer that fires once the fake has moved d on.
func (f *Fake) NewTimer(d time.Duration) Timer {
	w := &fakeWaiter{f: f, c: make(chan time.Time, 1)}
	f.mu.Lock()
	f.schedule(w, d)
	f.mu.Unlock()
	f.fireDue()
	return w
}

// NewTicker returns a ticker that fires every d of fake time.
func (f *Fake) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker")
	}
	w := &fakeWaiter{f: f, c: make(chan time.Time, 1), period: d}
	f.mu.Lock()
	f.schedule(w, d)
	f.mu.Unlock()
	return fakeTicker{w}
}

// Advance moves the clock on by d, firing every timer and tick due on the
// way, in order.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	target := f.now.Add(d)
	f.mu.Unlock()
	f.Set(target)
}

// Set moves the clock to t (never backwards: an earlier t only fires what
// is due now), firing every timer and tick due on the way, in order.
func (f *Fake) Set(t time.Time) {
	for {
		f.mu.Lock()
		next := f.nextDue(t)
		if next == nil {
			if t.After(f.now) {
				f.now = t
			}
			f.mu.Unlock()
			return
		}
		if next.at.After(f.now) {
			f.now = next.at
		}
		f.fire(next)
		f.mu.Unlock()
	}
}

// Waiters is the number of active timers and tickers.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.waiters)
}

// BlockUntil waits until at least n timers or tickers are active (the code
// under test is waiting on the clock), or ctx ends.
func (f *Fake) BlockUntil(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		have, changed := len(f.waiters), f.changed
		f.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// schedule makes w due d from now. Called with mu held.
func (f *Fake) schedule(w *fakeWaiter, d time.Duration) {
	w.at = f.now.Add(d)
	if !w.active {
		w.active = true
		f.waiters = append(f.waiters, w)
	}
	f.notify()
}

// unschedule deactivates w. Called with mu held.
func (f *Fake) unschedule(w *fakeWaiter) bool {
	if !w.active {
		return false
	}
	w.active = false
	f.waiters = slices.DeleteFunc(f.waiters, func(o *fakeWaiter) bool { return o == w })
	f.notify()
	return true
}

func (f *Fake) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// nextDue is the earliest waiter due at or before t. Called with mu held.
func (f *Fake) nextDue(t time.Time) *fakeWaiter {
	var next *fakeWaiter
	for _, w := range f.waiters {
		if !w.at.After(t) && (next == nil || w.at.Before(next.at)) {
			next = w
		}
	}
	return next
}

// fire delivers w's tick and reschedules or retires it. Called with mu held.
func (f *Fake) fire(w *fakeWaiter) {
	select {
	case w.c <- w.at:
	default: // a tick is already waiting: drop this one, as time.Ticker does
	}
	if w.period > 0 {
		w.at = w.at.Add(w.period)
		return
	}
	f.unschedule(w)
}

// fireDue fires whatever is due now (a timer of d ≤ 0).
func (f *Fake) fireDue() {
	f.mu.Lock()
	now := f.now
	f.mu.Unlock()
	f.Set(now)
}

func (w *fakeWaiter) C() <-chan time.Time { return w.c }

func (w *fakeWaiter) Stop() bool {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	return w.f.unschedule(w)
}

func (w *fakeWaiter) Reset(d time.Duration) bool {
	w.f.mu.Lock()
	was := w.active
	w.f.schedule(w, d)
	w.f.mu.Unlock()
	w.f.fireDue()
	return was
}

type fakeTicker struct{ w *fakeWaiter }

func (t fakeTicker) C() <-chan time.Time { return t.w.c }
func (t fakeTicker) Stop()               { t.w.Stop() }
func (t fakeTicker) Reset(d time.Duration) {
	if d <= 0 {
		panic("clock: non-positive interval for Ticker.Reset")
	}
	t.w.f.mu.Lock()
	t.w.period = d
	t.w.f.schedule(t.w, d)
	t.w.f.mu.Unlock()
}
