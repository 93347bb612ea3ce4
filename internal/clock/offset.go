package clock

import (
	"sync/atomic"
	"time"
)

// Offset is the machine's clock moved by an offset that may change while
// it runs: a scripted day that starts at 10:00 whenever it is run, or an
// end-to-end test that jumps a running terminal past midnight. Its timers
// and tickers wait real durations; moving the offset does not fire them,
// as a wall-clock jump does not fire a monotonic timer. Tests that need
// to control when timers fire use Fake instead. Safe for concurrent use.
type Offset struct {
	d atomic.Int64 // nanoseconds added to the machine's time
}

var _ Clock = (*Offset)(nil)

// At returns an Offset clock that reads t now and runs on from there.
func At(t time.Time) *Offset {
	o := &Offset{}
	o.Set(t)
	return o
}

// Now is the machine's time moved by the offset.
func (o *Offset) Now() time.Time { return time.Now().Add(time.Duration(o.d.Load())) }

// Set makes the clock read t now and run on from there.
func (o *Offset) Set(t time.Time) { o.d.Store(int64(time.Until(t))) }

// Advance moves the clock on by d (back, for a negative d).
func (o *Offset) Advance(d time.Duration) { o.d.Add(int64(d)) }

// NewTimer returns a real timer of d.
func (o *Offset) NewTimer(d time.Duration) Timer { return realClock{}.NewTimer(d) }

// NewTicker returns a real ticker of d.
func (o *Offset) NewTicker(d time.Duration) Ticker { return realClock{}.NewTicker(d) }
