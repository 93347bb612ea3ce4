package cashier

import (
	"testing"
	"time"
)

func TestSessionsEndWhenIdleAndTheOldestMakesRoom(t *testing.T) {
	now := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	s := newSessions(time.Hour, 2, func() time.Time { return now })
	a, err := s.create()
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(10 * time.Minute)
	b, _ := s.create()
	if a == b || !s.use(a) || !s.use(b) {
		t.Fatal("two fresh sessions must both be live and distinct")
	}
	now = now.Add(50 * time.Minute) // a and b were used 50 min ago
	if !s.use(a) {
		t.Fatal("a used within the idle time must stay live")
	}
	now = now.Add(time.Minute)
	c, _ := s.create() // full: b, the least recently used, goes
	if s.use(b) || !s.use(a) || !s.use(c) {
		t.Errorf("after a third login: b live=%v, want b evicted and a, c live", s.use(b))
	}
	now = now.Add(61 * time.Minute)
	if s.use(a) || s.use(c) {
		t.Error("sessions idle for more than an hour must end")
	}
	if s.count() != 0 {
		t.Errorf("%d sessions kept after expiry, want 0", s.count())
	}
	if s.use("") || s.use("not-a-session") {
		t.Error("unknown ids must not be live")
	}
}
