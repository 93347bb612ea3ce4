package centre

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// authenticateAgent checks a websocket request's terminal credentials
// before anything is upgraded. On failure it has answered the request.
func (s *Server) authenticateAgent(w http.ResponseWriter, r *http.Request) (store.Terminal, bool) {
	id := r.Header.Get(wire.HeaderTerminal)
	token, ok := bearerToken(r)
	if id == "" || !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="posagent centre"`)
		writeError(w, http.StatusUnauthorized, codeUnauthorized, "terminal id and bearer token required")
		return store.Terminal{}, false
	}
	t, err := s.cfg.Store.Terminal(r.Context(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.cfg.Logger.Error("agent auth: load terminal", "terminal", id, "err", err)
		writeError(w, http.StatusInternalServerError, codeInternal, "centre storage error")
		return store.Terminal{}, false
	}
	if !tokenMatches(token, t.TokenHash) || err != nil {
		s.cfg.Logger.Warn("agent auth refused", "terminal", id, "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="posagent centre"`)
		writeError(w, http.StatusUnauthorized, codeUnauthorized, "terminal or token not recognised")
		return store.Terminal{}, false
	}
	return t, true
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	tok := strings.TrimSpace(h[len(prefix):])
	return tok, tok != ""
}

// tokenMatches compares a token's SHA-256 with a stored hex hash in
// constant time. An empty stored hash never matches.
func tokenMatches(token, hashHex string) bool {
	sum := sha256.Sum256([]byte(token))
	got := hex.EncodeToString(sum[:])
	want := strings.ToLower(hashHex)
	if len(want) != len(got) {
		want = strings.Repeat("x", len(got)) // compare anyway: same time, never equal
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// hashToken is the stored form of a terminal token: hex SHA-256.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
