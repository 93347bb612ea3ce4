package client

import (
	"math/rand/v2"
	"time"
)

// backoff is the wait between connection attempts: a ceiling that starts at
// min and doubles up to max, and a wait drawn uniformly from [0, ceiling]
// ("full jitter"), so that a thousand terminals cut off by the same outage do
// not all come back in the same second.
type backoff struct {
	min, max time.Duration
	attempt  uint
	jitter   func(n int64) int64 // uniform in [0, n); rand.Int64N by default
}

func newBackoff(min, max time.Duration) *backoff {
	return &backoff{min: min, max: max, jitter: rand.Int64N}
}

// ceiling is the largest wait of the current attempt.
func (b *backoff) ceiling() time.Duration {
	if b.attempt >= 62 {
		return b.max
	}
	d := b.min << b.attempt
	if d <= 0 || d > b.max || d>>b.attempt != b.min {
		return b.max // overflowed or past the cap
	}
	return d
}

// next returns the wait before the next attempt and moves to the one after.
func (b *backoff) next() time.Duration {
	ceil := b.ceiling()
	if ceil < b.max {
		b.attempt++
	}
	if ceil <= 0 {
		return 0
	}
	return time.Duration(b.jitter(int64(ceil) + 1))
}

// reset starts again from min, after a connection that was healthy.
func (b *backoff) reset() { b.attempt = 0 }
