package console

import (
	"crypto/sha256"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre/store"
)

// Console sessions live in memory (web.MemorySessions) for now: a centre
// restart logs every supervisor out. They sit behind web.Sessions so the
// centre's store can keep them instead.
var sessionLimits = web.SessionLimits{
	MaxAge: 8 * time.Hour,    // a session ends this long after login
	Idle:   30 * time.Minute, // or after this long unused
	Max:    10000,            // beyond this the least recently used is dropped
}

// sessionUser is who a session is for.
type sessionUser struct {
	Name string
	Role string
	// Credential is the SHA-256 of the user's password hash at login: a
	// changed password (or a removed user) ends the session.
	Credential [32]byte
}

// session is one logged-in browser.
type session = web.Session[sessionUser]

// userOf is the session's view of u.
func userOf(u store.User) sessionUser {
	return sessionUser{Name: u.Name, Role: u.Role, Credential: credentialOf(u)}
}

// credentialOf fingerprints the user's stored password hash.
func credentialOf(u store.User) [32]byte {
	return sha256.Sum256(u.PasswordHash)
}
