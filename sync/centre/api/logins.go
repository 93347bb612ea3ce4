package api

import (
	"crypto/sha256"
	"sync"
	"time"

	"posagent/sync/centre"
	"posagent/sync/centre/store"
)

// Verified credentials are remembered this long, so an API client sending
// Basic credentials with every request does not pay bcrypt every time.
const (
	loginTTL      = 5 * time.Minute
	loginCacheMax = 1024
)

// Logins remembers recently verified (user, password, stored hash)
// triples by their SHA-256. A changed password hash changes the key, so a
// replaced password stops matching at once. The zero value is ready; it
// is safe for concurrent use.
type Logins struct {
	mu      sync.Mutex
	seen    map[[32]byte]time.Time
	fails   map[string]failures // throttle.go
	checked int                 // attempts CheckFrom let through to a check
}

// Check verifies password against u's stored hash, remembered or by the
// Centre (bcrypt; for the zero User, an unknown name, a dummy hash of the
// same cost and false).
func (l *Logins) Check(c *centre.Centre, u store.User, password string) bool {
	if u.Name == "" || len(u.PasswordHash) == 0 {
		return c.PasswordMatches(store.User{}, password)
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(u.Name), []byte(password), u.PasswordHash} {
		h.Write(part)
		h.Write([]byte{0})
	}
	var key [32]byte
	h.Sum(key[:0])
	now := c.Now()
	l.mu.Lock()
	until, ok := l.seen[key]
	l.mu.Unlock()
	if ok && now.Before(until) {
		return true
	}
	if !c.PasswordMatches(u, password) {
		return false
	}
	l.mu.Lock()
	if l.seen == nil || len(l.seen) >= loginCacheMax {
		l.seen = make(map[[32]byte]time.Time)
	}
	l.seen[key] = now.Add(loginTTL)
	l.mu.Unlock()
	return true
}
