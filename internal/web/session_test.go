package web

import (
	"context"
	"testing"
	"time"

	"posagent/internal/clock"
)

func TestSessionsEndWhenIdleAndTheOldestMakesRoom(t *testing.T) {
	ctx := context.Background()
	c := clock.NewFake(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	s := NewMemorySessions[string](c, SessionLimits{Idle: time.Hour, Max: 2})
	live := func(id string) bool {
		_, ok, err := s.Use(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	a, err := s.Create(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(10 * time.Minute)
	b, _ := s.Create(ctx, "b")
	if a.ID == b.ID || a.CSRF == b.CSRF || a.ID == a.CSRF || len(a.ID) != 64 || !live(a.ID) || !live(b.ID) {
		t.Fatalf("two fresh sessions must both be live, with distinct 64-hex ids and tokens: %+v %+v", a, b)
	}
	c.Advance(50 * time.Minute) // a and b were used 50 min ago
	if got, ok, _ := s.Use(ctx, a.ID); !ok || got.Value != "a" || got.CSRF != a.CSRF || !got.LastUsed.Equal(c.Now()) {
		t.Fatalf("a used within the idle time must stay live with its value and token: %+v", got)
	}
	c.Advance(time.Minute)
	d, _ := s.Create(ctx, "d") // full: b, the least recently used, goes
	if live(b.ID) || !live(a.ID) || !live(d.ID) {
		t.Error("after a third login: want b dropped and a, d live")
	}
	c.Advance(time.Hour) // exactly the idle time: over
	if live(a.ID) || live(d.ID) {
		t.Error("sessions idle for an hour must end")
	}
	if s.Len() != 0 {
		t.Errorf("%d sessions kept after expiry, want 0", s.Len())
	}
	if live("") || live("not-a-session") {
		t.Error("unknown ids must not be live")
	}
}

func TestSessionsEndAtMaxAgeHoweverUsed(t *testing.T) {
	ctx := context.Background()
	c := clock.NewFake(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	s := NewMemorySessions[struct{}](c, SessionLimits{MaxAge: 8 * time.Hour, Idle: 30 * time.Minute, Max: 10})
	a, _ := s.Create(ctx, struct{}{})
	for i := 0; i < 16; i++ { // used every 29 minutes for 7h44m
		c.Advance(29 * time.Minute)
		if _, ok, _ := s.Use(ctx, a.ID); !ok {
			t.Fatalf("session ended after %v of steady use", time.Duration(i+1)*29*time.Minute)
		}
	}
	c.Advance(16 * time.Minute) // 8h after login
	if _, ok, _ := s.Use(ctx, a.ID); ok {
		t.Fatal("a session outlived its max age")
	}
	b, _ := s.Create(ctx, struct{}{})
	if err := s.End(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Use(ctx, b.ID); ok || s.Len() != 0 {
		t.Errorf("an ended session is live or kept (%d kept)", s.Len())
	}
	if err := s.End(ctx, "unknown"); err != nil {
		t.Errorf("ending an unknown session: %v", err)
	}
}
