package clock

import (
	"testing"
	"time"
)

func TestOffsetReadsWhatItWasSetToAndRunsOn(t *testing.T) {
	o := At(epoch)
	before := time.Now()
	got := o.Now()
	// got is epoch plus the real time since At, which is at least 0 and
	// at most the time since before was read (plus At's own duration,
	// bounded here by a generous margin that only a frozen machine misses).
	if got.Before(epoch) || got.After(epoch.Add(time.Since(before)+time.Minute)) {
		t.Fatalf("Now = %v just after At(%v)", got, epoch)
	}
	o.Advance(24 * time.Hour)
	if d := o.Now().Sub(got); d < 24*time.Hour || d > 24*time.Hour+time.Minute {
		t.Fatalf("Advance(24h) moved the clock by %v", d)
	}
	later := epoch.AddDate(1, 0, 0)
	o.Set(later)
	if n := o.Now(); n.Before(later) || n.After(later.Add(time.Minute)) {
		t.Fatalf("Now = %v after Set(%v)", n, later)
	}
	// The clock runs: two readings never go backwards.
	if a, b := o.Now(), o.Now(); b.Before(a) {
		t.Fatalf("Offset went backwards: %v then %v", a, b)
	}
}

func TestOffsetTimersWaitRealDurations(t *testing.T) {
	o := At(epoch)
	tm := o.NewTimer(time.Hour)
	defer tm.Stop()
	o.Advance(2 * time.Hour) // a jump of the reading fires nothing
	if _, ok := fired(tm.C()); ok {
		t.Fatal("moving the offset fired an hour's timer")
	}
	short := o.NewTimer(time.Millisecond)
	<-short.C() // and a real millisecond does
	tk := o.NewTicker(time.Millisecond)
	defer tk.Stop()
	<-tk.C()
	<-tk.C()
}
