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
		if !s.logins.CheckFrom(s.centre, u, name, r.RemoteAddr, password) {
			s.log.Warn("login refused", "name", name, "remote", r.RemoteAddr)
			challenge(w)
			return
		}
		if u.Role != store.RoleAdmin && (adminOnly || u.Role != store.RoleSupervisor) {
			codes.Write(w, http.StatusForbidden, centre.CodeForbidden, "only an administrator may do this")
			return
		}
		h(w, r)
	})
}

func challenge(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="posagent centre", charset="UTF-8"`)
	codes.Write(w, http.StatusUnauthorized, centre.CodeUnauthorized, "user name and password required")
}

// requireAdminToken lets through loopback requests bearing the admin
// token; the CLI on the centre's machine is the only caller.
func (s *Server) requireAdminToken(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isLoopback(r.RemoteAddr) {
			codes.Write(w, http.StatusForbidden, centre.CodeForbidden, "the admin API answers only on loopback")
			return
		}
		token, ok := web.BearerToken(r)
		if !ok || s.adminToken == "" || !web.EqualSecret(token, s.adminToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="posagent centre admin"`)
			codes.Write(w, http.StatusUnauthorized, centre.CodeUnauthorized, "admin token required")
			return
		}
		h(w, r)
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
