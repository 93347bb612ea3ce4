package api

import (
	"errors"
	"net"
	"net/http"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/store"
)

// requireUser lets through requests with HTTP Basic credentials of a
// supervisor or administrator; adminOnly lets only administrators through.
func (s *Server) requireUser(adminOnly bool, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, password, ok := r.BasicAuth()
		if !ok {
			challenge(w)
			return
		}
		u, err := s.centre.User(r.Context(), name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Error("load user", "name", name, "err", err)
			codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
			return
		}
		if err != nil { // unknown user: same work as a wrong password
			u = store.User{}
		}
		client := web.ClientIP(r)
		ok, wait := s.logins.CheckFrom(s.centre, u, name, client, password)
		if wait > 0 {
			s.log.Warn("login throttled", "name", name, "client", client, "retry_after", wait)
			web.SetRetryAfter(w, wait)
			codes.Write(w, http.StatusTooManyRequests, centre.CodeTooManyAttempts,
				"too many failed logins for this user or from this address; try again later")
			return
		}
		if !ok {
			s.log.Warn("login refused", "name", name, "client", client)
			challenge(w)
			return
		}
		if u.Role != store.RoleAdmin && (adminOnly || u.Role != store.RoleSupervisor) {
			codes.Write(w, http.StatusForbidden, centre.CodeForbidden, "only an administrator may do this")
			return
		}
		h(w, r.WithContext(centre.WithActor(r.Context(), u.Name))) // for the audit log
	})
}

func challenge(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="posagent centre", charset="UTF-8"`)
	codes.Write(w, http.StatusUnauthorized, centre.CodeUnauthorized, "user name and password required")
}

// requireAdminToken lets through loopback requests bearing the admin
// token; the CLI on the centre's machine is the only caller. A request
// relayed by a trusted proxy on this machine is not loopback: its client
// (web.ClientIP) is elsewhere.
func (s *Server) requireAdminToken(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isLoopback(r.RemoteAddr) || !isLoopback(web.ClientIP(r)) {
			codes.Write(w, http.StatusForbidden, centre.CodeForbidden, "the admin API answers only on loopback")
			return
		}
		token, ok := web.BearerToken(r)
		if !ok || s.adminToken == "" || !web.EqualSecret(token, s.adminToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="posagent centre admin"`)
			codes.Write(w, http.StatusUnauthorized, centre.CodeUnauthorized, "admin token required")
			return
		}
		// The admin token is the command line's on the centre's machine.
		h(w, r.WithContext(centre.WithActor(r.Context(), centre.ActorCLI)))
	})
}

func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
