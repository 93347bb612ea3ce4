package api

import (
	"context"
	"net/http"
	"time"
)

// reconcileTimeout bounds POST /v1/reconcile: the wait for the day's last
// acknowledgements plus the centre's answer.
const reconcileTimeout = 30 * time.Second

// reconcile is POST /v1/reconcile?day=YYYY-MM-DD (default today): the
// day's daily reconciliation with the centre, now. The answer is the
// result, match or not; a mismatch is not an HTTP error.
func (s *Server) reconcile(w http.ResponseWriter, r *http.Request) {
	day := s.agent.Now()
	if d := r.URL.Query().Get("day"); d != "" {
		t, err := time.ParseInLocation(time.DateOnly, d, s.agent.Location())
		if err != nil {
			writeError(w, badRequest("day must be YYYY-MM-DD, got %q", d))
			return
		}
		day = t
	}
	ctx, cancel := context.WithTimeout(r.Context(), reconcileTimeout)
	defer cancel()
	res, err := s.agent.Reconcile(ctx, day)
	s.reply(w, r, res, err)
}
