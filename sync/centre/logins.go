package centre

import (
	"crypto/sha256"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"posagent/sync/centre/store"
)

// Verified credentials are remembered this long, so an API client sending
// Basic credentials with every request does not pay bcrypt every time.
const (
	loginTTL      = 5 * time.Minute
	loginCacheMax = 1024
)

// loginCache remembers recently verified (user, password, stored hash)
// triples by their SHA-256. A changed password hash changes the key, so a
// replaced password stops matching at once.
type loginCache struct {
	mu   sync.Mutex
	seen map[[32]byte]time.Time
	// slots bounds concurrent bcrypt checks so a flood of made-up
	// credentials queues instead of taking every core from Apply.
	slotsOnce sync.Once
	slots     chan struct{}
}

// maxBcrypt is how many bcrypt checks may run at once.
const maxBcrypt = 2

// compare runs one bcrypt check in a slot.
func (c *loginCache) compare(hash []byte, password string) error {
	c.slotsOnce.Do(func() { c.slots = make(chan struct{}, maxBcrypt) })
	c.slots <- struct{}{}
	defer func() { <-c.slots }()
	return bcrypt.CompareHashAndPassword(hash, []byte(password))
}

// check verifies password against u's bcrypt hash, or against a dummy
// hash when u is the zero User (so unknown names cost the same time).
func (c *loginCache) check(u store.User, password string) bool {
	if u.Name == "" || len(u.PasswordHash) == 0 {
		_ = c.compare(dummyHash(), password)
		return false
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(u.Name), []byte(password), u.PasswordHash} {
		h.Write(part)
		h.Write([]byte{0})
	}
	var key [32]byte
	h.Sum(key[:0])
	now := time.Now()
	c.mu.Lock()
	until, ok := c.seen[key]
	c.mu.Unlock()
	if ok && now.Before(until) {
		return true
	}
	if c.compare(u.PasswordHash, password) != nil {
		return false
	}
	c.mu.Lock()
	if c.seen == nil || len(c.seen) >= loginCacheMax {
		c.seen = make(map[[32]byte]time.Time)
	}
	c.seen[key] = now.Add(loginTTL)
	c.mu.Unlock()
	return true
}
