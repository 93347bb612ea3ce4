package agentws

import (
	"errors"
	"net/http"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// codes write the centre's error answers: {code, message, message_zh}.
var codes = web.Codes(centre.MessagesZh)

// authenticate checks a websocket request's terminal credentials before
// anything is upgraded. On failure it has answered the request.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (store.Terminal, bool) {
	id := r.Header.Get(wire.HeaderTerminal)
	token, ok := web.BearerToken(r)
	if id == "" || !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="posagent centre"`)
		codes.Write(w, http.StatusUnauthorized, centre.CodeUnauthorized, "terminal id and bearer token required")
		return store.Terminal{}, false
	}
	t, err := s.centre.AuthenticateTerminal(r.Context(), id, token)
	switch {
	case errors.Is(err, centre.ErrUnauthorized):
		s.log.Warn("agent auth refused", "terminal", id, "client", web.ClientIP(r))
		w.Header().Set("WWW-Authenticate", `Bearer realm="posagent centre"`)
		codes.Write(w, http.StatusUnauthorized, centre.CodeUnauthorized, "terminal or token not recognised")
		return store.Terminal{}, false
	case err != nil:
		s.log.Error("agent auth: load terminal", "terminal", id, "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
		return store.Terminal{}, false
	}
	return t, true
}
