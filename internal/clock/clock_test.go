package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

var epoch = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

func fired(c <-chan time.Time) (time.Time, bool) {
	select {
	case t := <-c:
		return t, true
	default:
		return time.Time{}, false
	}
}

func TestFakeTimerFiresOnlyWhenItsDeadlineIsPassed(t *testing.T) {
	f := NewFake(epoch)
	tm := f.NewTimer(time.Second)
	f.Advance(999 * time.Millisecond)
	if _, ok := fired(tm.C()); ok {
		t.Fatal("timer fired 1 ms early")
	}
	f.Advance(time.Millisecond)
	at, ok := fired(tm.C())
	if !ok || !at.Equal(epoch.Add(time.Second)) {
		t.Fatalf("timer: fired=%v at %v, want at %v", ok, at, epoch.Add(time.Second))
	}
	if f.Waiters() != 0 {
		t.Fatalf("a fired timer is still waiting: %d", f.Waiters())
	}
	if tm.Stop() {
		t.Fatal("Stop of a fired timer reported it active")
	}
}

func TestFakeTimerStopAndReset(t *testing.T) {
	f := NewFake(epoch)
	tm := f.NewTimer(time.Second)
	if !tm.Stop() {
		t.Fatal("Stop of an active timer reported it inactive")
	}
	f.Advance(time.Hour)
	if _, ok := fired(tm.C()); ok {
		t.Fatal("a stopped timer fired")
	}
	if tm.Reset(time.Minute) {
		t.Fatal("Reset of a stopped timer reported it active")
	}
	f.Advance(time.Minute)
	if _, ok := fired(tm.C()); !ok {
		t.Fatal("a reset timer did not fire")
	}
}

func TestFakeTickerTicksEveryPeriodAndDropsUnreadTicks(t *testing.T) {
	f := NewFake(epoch)
	tk := f.NewTicker(10 * time.Second)
	defer tk.Stop()
	for i := 1; i <= 3; i++ {
		f.Advance(10 * time.Second)
		at, ok := fired(tk.C())
		if want := epoch.Add(time.Duration(i) * 10 * time.Second); !ok || !at.Equal(want) {
			t.Fatalf("tick %d: fired=%v at %v, want %v", i, ok, at, want)
		}
	}
	f.Advance(time.Minute) // six ticks due, nobody reading: one is kept
	if _, ok := fired(tk.C()); !ok {
		t.Fatal("no tick kept")
	}
	if _, ok := fired(tk.C()); ok {
		t.Fatal("more than one unread tick kept")
	}
	if got, want := f.Now(), epoch.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("now %v, want %v", got, want)
	}
}

func TestFakeFiresInDeadlineOrder(t *testing.T) {
	f := NewFake(epoch)
	late, early := f.NewTimer(2*time.Second), f.NewTimer(time.Second)
	f.Advance(3 * time.Second)
	a, _ := fired(early.C())
	b, _ := fired(late.C())
	if !a.Before(b) {
		t.Fatalf("early fired at %v, late at %v", a, b)
	}
}

func TestSleepReturnsAfterTheFakeMovesOrWhenCancelled(t *testing.T) {
	f := NewFake(epoch)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Sleep(ctx, f, time.Minute) }()
	if err := f.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	f.Advance(time.Minute)
	if err := <-done; err != nil {
		t.Fatalf("Sleep: %v", err)
	}

	cctx, ccancel := context.WithCancel(ctx)
	go func() { done <- Sleep(cctx, f, time.Minute) }()
	if err := f.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	ccancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Sleep: %v", err)
	}
	if err := Sleep(ctx, f, 0); err != nil {
		t.Fatalf("Sleep(0): %v", err)
	}
}

func TestRealClockSleeps(t *testing.T) {
	c := Or(nil)
	start := c.Now()
	if err := Sleep(context.Background(), c, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if c.Now().Sub(start) < time.Millisecond {
		t.Fatal("real Sleep returned early")
	}
}
