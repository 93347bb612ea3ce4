package centre

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"posagent/sync/centre/store"
)

// dummyHash is compared against when the user does not exist, so a wrong
// name costs the same time as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("posagent-no-such-user"), bcryptCost)
	return h
})

// requireUser lets through requests with HTTP Basic credentials of a
// supervisor or administrator; adminOnly lets only administrators through.
func (s *Server) requireUser(adminOnly bool, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, password, ok := r.BasicAuth()
		if !ok {
			challenge(w)
			return
		}
		u, err := s.cfg.Store.User(r.Context(), name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.cfg.Logger.Error("load user", "name", name, "err", err)
			writeError(w, http.StatusInternalServerError, codeInternal, "centre storage error")
			return
		}
		if err != nil { // unknown user: same work as a wrong password
			u = store.User{}
		}
		if !s.logins.check(u, password) {
			s.cfg.Logger.Warn("login refused", "name", name, "remote", r.RemoteAddr)
			challenge(w)
			return
		}
		if u.Role != store.RoleAdmin && (adminOnly || u.Role != store.RoleSupervisor) {
			writeError(w, http.StatusForbidden, codeForbidden, "only an administrator may do this")
			return
		}
		h(w, r)
	})
}

func challenge(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="posagent centre", charset="UTF-8"`)
	writeError(w, http.StatusUnauthorized, codeUnauthorized, "user name and password required")
}

// requireAdminToken lets through loopback requests bearing the admin
// token; the CLI on the centre's machine is the only caller.
func (s *Server) requireAdminToken(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isLoopback(r.RemoteAddr) {
			writeError(w, http.StatusForbidden, codeForbidden, "the admin API answers only on loopback")
			return
		}
		token, ok := bearerToken(r)
		if !ok || s.cfg.AdminToken == "" || !equalSecret(token, s.cfg.AdminToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="posagent centre admin"`)
			writeError(w, http.StatusUnauthorized, codeUnauthorized, "admin token required")
			return
		}
		h(w, r)
	})
}

// equalSecret compares two secrets in constant time, lengths included.
func equalSecret(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
