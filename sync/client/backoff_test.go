package client

import (
	"math"
	"testing"
	"time"
)

func TestBackoffDoublesToCapWithFullJitter(t *testing.T) {
	b := newBackoff(250*time.Millisecond, 30*time.Second)
	var asked []int64
	b.jitter = func(n int64) int64 { asked = append(asked, n); return n - 1 } // the top of the range
	want := []time.Duration{
		250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second,
	}
	for i, w := range want {
		if got := b.next(); got != w {
			t.Fatalf("attempt %d: wait %v, want %v", i, got, w)
		}
		if asked[i] != int64(w)+1 {
			t.Fatalf("attempt %d: jitter range [0,%d), want [0,%d)", i, asked[i], int64(w)+1)
		}
	}
	b.reset()
	if got := b.next(); got != 250*time.Millisecond {
		t.Fatalf("after reset: %v, want 250ms", got)
	}
}

func TestBackoffJitterSpreadsWaits(t *testing.T) {
	b := newBackoff(time.Second, time.Second)
	seen := map[time.Duration]bool{}
	for range 100 {
		d := b.next()
		if d < 0 || d > time.Second {
			t.Fatalf("wait %v outside [0, 1s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 50 {
		t.Fatalf("only %d distinct waits in 100: no jitter", len(seen))
	}
}

func TestBackoffNeverOverflows(t *testing.T) {
	b := newBackoff(time.Duration(math.MaxInt64/4), time.Duration(math.MaxInt64))
	b.jitter = func(n int64) int64 { return n - 1 }
	for i := range 200 {
		if d := b.next(); d < 0 {
			t.Fatalf("attempt %d: negative wait %v", i, d)
		}
	}
	if c := b.ceiling(); c != time.Duration(math.MaxInt64) {
		t.Fatalf("ceiling after many attempts = %v, want the cap", c)
	}
}

func TestFailureLogThrottlesRepeats(t *testing.T) {
	var f failureLog
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		msg  string
		at   time.Duration
		want bool
	}{
		{"dial: refused", 0, true},
		{"dial: refused", 10 * time.Second, false},
		{"dial: refused", 59 * time.Second, false},
		{"read: timeout", 60 * time.Second, true},
		{"dial: refused", 61 * time.Second, true},
		{"dial: refused", 2 * time.Minute, false},
		{"dial: refused", 2*time.Minute + time.Second, true},
	}
	for i, s := range steps {
		if got := f.worth(s.msg, t0.Add(s.at)); got != s.want {
			t.Fatalf("step %d (%q at %v): worth = %v, want %v", i, s.msg, s.at, got, s.want)
		}
	}
}
