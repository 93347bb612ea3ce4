package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"posagent/internal/clock"
)

// Session is one logged-in browser. V is what the UI keeps of whoever
// logged in (nothing for the cashier page; the user for the console).
type Session[V any] struct {
	ID       string // 256 random bits in hex: the cookie's value
	CSRF     string // 256 random bits in hex: every form that changes something carries it
	Created  time.Time
	LastUsed time.Time
	Value    V
}

// Sessions keeps the logged-in browsers of a UI. MemorySessions keeps
// them in memory; a store-backed one can replace it (console sessions in
// the centre's store, so several centre processes share them). Safe for
// concurrent use.
type Sessions[V any] interface {
	// Create starts a session holding v, with a new id and CSRF token.
	Create(ctx context.Context, v V) (Session[V], error)
	// Use returns the live session id names and marks it used now;
	// ok is false when there is none or it has expired (an error only
	// when the sessions cannot be read).
	Use(ctx context.Context, id string) (s Session[V], ok bool, err error)
	// End ends a session; an unknown id is not an error.
	End(ctx context.Context, id string) error
}

// SessionLimits bound sessions by the clock given to NewMemorySessions.
type SessionLimits struct {
	// MaxAge ends a session this long after login; 0 means never.
	MaxAge time.Duration
	// Idle ends a session unused this long; it must be positive.
	Idle time.Duration
	// Max bounds the sessions kept; at Max, a login drops the least
	// recently used. It must be positive.
	Max int
}

// MemorySessions keeps sessions in memory only: a restart logs everyone
// out, and a session id is worth nothing on disk.
type MemorySessions[V any] struct {
	clock clock.Clock
	lim   SessionLimits
	mu    sync.Mutex
	m     map[string]*Session[V]
}

var _ Sessions[struct{}] = (*MemorySessions[struct{}])(nil)

// NewMemorySessions returns an empty session table whose times are c's.
func NewMemorySessions[V any](c clock.Clock, lim SessionLimits) *MemorySessions[V] {
	if lim.Idle <= 0 || lim.Max <= 0 {
		panic(fmt.Sprintf("web: session limits %+v: Idle and Max must be positive", lim))
	}
	return &MemorySessions[V]{clock: clock.Or(c), lim: lim, m: make(map[string]*Session[V])}
}

// NewToken returns 32 random bytes in hex: session ids, CSRF tokens.
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Create starts a session holding v; it never fails but for the
// system's randomness.
func (s *MemorySessions[V]) Create(_ context.Context, v V) (Session[V], error) {
	id, err := NewToken()
	if err != nil {
		return Session[V]{}, fmt.Errorf("session id: %w", err)
	}
	csrf, err := NewToken()
	if err != nil {
		return Session[V]{}, fmt.Errorf("session CSRF token: %w", err)
	}
	now := s.clock.Now()
	sess := &Session[V]{ID: id, CSRF: csrf, Created: now, LastUsed: now, Value: v}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	for len(s.m) >= s.lim.Max {
		s.dropLeastRecent()
	}
	s.m[id] = sess
	return *sess, nil
}

// Use returns the live session id names and marks it used; it never
// returns an error.
func (s *MemorySessions[V]) Use(_ context.Context, id string) (Session[V], bool, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[id]
	if !ok {
		return Session[V]{}, false, nil
	}
	if !s.live(sess, now) {
		delete(s.m, id)
		return Session[V]{}, false, nil
	}
	sess.LastUsed = now
	return *sess, true, nil
}

// End ends a session.
func (s *MemorySessions[V]) End(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	return nil
}

// Len is the number of sessions held, live or not yet swept.
func (s *MemorySessions[V]) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (s *MemorySessions[V]) live(sess *Session[V], now time.Time) bool {
	return (s.lim.MaxAge <= 0 || now.Sub(sess.Created) < s.lim.MaxAge) && now.Sub(sess.LastUsed) < s.lim.Idle
}

// expire drops every session past its time. Called with mu held.
func (s *MemorySessions[V]) expire(now time.Time) {
	for id, sess := range s.m {
		if !s.live(sess, now) {
			delete(s.m, id)
		}
	}
}

// dropLeastRecent drops the session unused the longest. Called with mu
// held, only when the table is full.
func (s *MemorySessions[V]) dropLeastRecent() {
	var oldest string
	var at time.Time
	for id, sess := range s.m {
		if oldest == "" || sess.LastUsed.Before(at) {
			oldest, at = id, sess.LastUsed
		}
	}
	delete(s.m, oldest)
}
