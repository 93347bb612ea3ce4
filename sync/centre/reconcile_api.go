package centre

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"posagent/sync/centre/store"
)

var reconciliationParams = map[string]bool{
	"terminal": true, "pharmacy": true, "day": true, "mismatch": true, "limit": true,
}

// handleReconciliations is GET /api/reconciliations?terminal=&pharmacy=
// &day=YYYY-MM-DD&mismatch=1&limit=: the daily reconciliation results,
// newest day first.
func (s *Server) handleReconciliations(w http.ResponseWriter, r *http.Request) {
	f, err := parseReconciliationFilter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadParam, err.Error())
		return
	}
	rs, err := s.cfg.Store.Reconciliations(r.Context(), f)
	if err != nil {
		s.cfg.Logger.Error("list reconciliations", "err", err)
		writeError(w, http.StatusInternalServerError, codeInternal, "centre storage error")
		return
	}
	if rs == nil {
		rs = []store.Reconciliation{}
	}
	for i := range rs { // lists, never null, for the console
		if rs[i].Differences == nil {
			rs[i].Differences = []string{}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"reconciliations": rs})
}

// parseReconciliationFilter reads the query of /api/reconciliations.
// Unknown or repeated parameters are refused, as for /api/transactions.
func parseReconciliationFilter(q url.Values) (store.ReconciliationFilter, error) {
	var f store.ReconciliationFilter
	for k, v := range q {
		if !reconciliationParams[k] {
			return f, fmt.Errorf("unknown parameter %q", k)
		}
		if len(v) > 1 {
			return f, fmt.Errorf("parameter %q given %d times", k, len(v))
		}
	}
	f.Terminal, f.Pharmacy, f.Day = q.Get("terminal"), q.Get("pharmacy"), q.Get("day")
	if f.Day != "" {
		if _, err := time.Parse(time.DateOnly, f.Day); err != nil {
			return f, fmt.Errorf("day %q: want YYYY-MM-DD", f.Day)
		}
	}
	switch v := q.Get("mismatch"); v {
	case "", "0", "false":
	case "1", "true":
		f.Mismatch = true
	default:
		return f, fmt.Errorf("mismatch %q: want 1 or 0", v)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return f, fmt.Errorf("limit %q: want 1 to %d", v, maxLimit)
		}
		f.Limit = n
	}
	return f, nil
}
