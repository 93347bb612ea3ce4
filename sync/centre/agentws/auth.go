package agentws

import (
	"errors"
	"net/http"

	"posagent/sync/centre"
	"posagent/sync/centre/store"
	"posagent/sync/centre/web"
	"posagent/sync/wire"
)

// authenticate checks a websocket request's terminal credentials before
// anything is upgraded. On failure it has answered the request.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (store.Terminal, bool) {
	id := r.Header.Get(wire.HeaderTerminal)
	token, ok := web.BearerToken(r)
	if id == "" || !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="posagent centre"`)
		web.WriteError(w, http.StatusUnauthorized, web.CodeUnauthorized, "terminal id and bearer token required")
		return store.Terminal{}, false
	}
	t, err := s.centre.AuthenticateTerminal(r.Context(), id, token)
	switch {
	case errors.Is(err, centre.ErrUnauthorized):
		s.log.Warn("agent auth refused", "terminal", id, "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="posagent centre"`)
		web.WriteError(w, http.StatusUnauthorized, web.CodeUnauthorized, "terminal or token not recognised")
		return store.Terminal{}, false
	case err != nil:
		s.log.Error("agent auth: load terminal", "terminal", id, "err", err)
		web.WriteError(w, http.StatusInternalServerError, web.CodeInternal, "centre storage error")
		return store.Terminal{}, false
	}
	return t, true
}
