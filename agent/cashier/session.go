package cashier

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	gosync "sync"
	"time"
)

// sessionCookie holds the session id. It is HttpOnly (no script reads it)
// and SameSite=Strict (no other site's page sends it).
const sessionCookie = "posagent_cashier"

// sessions are the logged-in browsers, in memory only: an agent restart
// logs everyone out, and the id is worth nothing on disk.
type sessions struct {
	mu   gosync.Mutex
	last map[string]time.Time // id → last use
	idle time.Duration
	max  int
	now  func() time.Time
}

func newSessions(idle time.Duration, max int, now func() time.Time) *sessions {
	if idle <= 0 {
		idle = 12 * time.Hour
	}
	if max <= 0 {
		max = 32
	}
	return &sessions{last: make(map[string]time.Time), idle: idle, max: max, now: now}
}

// create starts a session and returns its random id (256 bits).
func (s *sessions) create() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	id := hex.EncodeToString(b[:])
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	for len(s.last) >= s.max {
		s.evictOldest()
	}
	s.last[id] = now
	return id, nil
}

// use reports whether id is a live session and marks it used.
func (s *sessions) use(id string) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.last[id]
	if !ok {
		return false
	}
	if now.Sub(t) > s.idle {
		delete(s.last, id)
		return false
	}
	s.last[id] = now
	return true
}

// end logs a session out.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.last, id)
}

// count is the number of sessions kept.
func (s *sessions) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.last)
}

func (s *sessions) expire(now time.Time) {
	for id, t := range s.last {
		if now.Sub(t) > s.idle {
			delete(s.last, id)
		}
	}
}

func (s *sessions) evictOldest() {
	var oldest string
	var at time.Time
	for id, t := range s.last {
		if oldest == "" || t.Before(at) {
			oldest, at = id, t
		}
	}
	delete(s.last, oldest)
}
