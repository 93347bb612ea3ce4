package console

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"posagent/sync/centre/store"
)

// Console sessions live in memory only: a centre restart logs every
// supervisor out, and a session id is worth nothing on disk.
const (
	sessionMax  = 8 * time.Hour    // a session ends this long after login
	sessionIdle = 30 * time.Minute // or after this long unused
	sessionsMax = 10000            // beyond this the least recently used is dropped
)

// session is one logged-in browser.
type session struct {
	user string
	role string
	// credential is the SHA-256 of the user's password hash at login: a
	// changed password (or a removed user) ends the session.
	credential [32]byte
	csrf       string // the token every POST form must carry
	created    time.Time
	lastUsed   time.Time
}

// sessionStore are the live sessions by id. The zero value is ready.
type sessionStore struct {
	mu sync.Mutex
	m  map[string]*session
}

// newToken returns 32 random bytes in hex: session ids and CSRF tokens.
func newToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// credentialOf fingerprints the user's stored password hash.
func credentialOf(u store.User) [32]byte {
	return sha256.Sum256(u.PasswordHash)
}

// create starts a session for u and returns its id.
func (s *sessionStore) create(u store.User, now time.Time) (string, session, error) {
	id, err := newToken()
	if err != nil {
		return "", session{}, err
	}
	csrf, err := newToken()
	if err != nil {
		return "", session{}, err
	}
	sess := &session{user: u.Name, role: u.Role, credential: credentialOf(u), csrf: csrf,
		created: now, lastUsed: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]*session)
	}
	s.expire(now)
	for len(s.m) >= sessionsMax {
		s.dropLeastRecent()
	}
	s.m[id] = sess
	return id, *sess, nil
}

// use returns the live session id names and marks it used now.
func (s *sessionStore) use(id string, now time.Time) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[id]
	if !ok {
		return session{}, false
	}
	if !sess.live(now) {
		delete(s.m, id)
		return session{}, false
	}
	sess.lastUsed = now
	return *sess, true
}

// end logs a session out; an unknown id is ignored.
func (s *sessionStore) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// count is the number of sessions held, live or not yet swept.
func (s *sessionStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (c *session) live(now time.Time) bool {
	return now.Sub(c.created) < sessionMax && now.Sub(c.lastUsed) < sessionIdle
}

// expire drops every session past its time. Called with mu held.
func (s *sessionStore) expire(now time.Time) {
	for id, sess := range s.m {
		if !sess.live(now) {
			delete(s.m, id)
		}
	}
}

// dropLeastRecent drops the session unused the longest. Called with mu
// held, only when the table is full.
func (s *sessionStore) dropLeastRecent() {
	var oldest string
	var at time.Time
	for id, sess := range s.m {
		if oldest == "" || sess.lastUsed.Before(at) {
			oldest, at = id, sess.lastUsed
		}
	}
	delete(s.m, oldest)
}
