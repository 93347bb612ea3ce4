package api

import (
	"net/http"
	"net/url"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre"
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
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, err.Error())
		return
	}
	rs, err := s.centre.Reconciliations(r.Context(), f)
	if err != nil {
		s.log.Error("list reconciliations", "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
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
	web.WriteJSON(w, http.StatusOK, map[string]any{"reconciliations": rs})
}

// parseReconciliationFilter reads the query of /api/reconciliations.
// Unknown or repeated parameters are refused, as for /api/transactions.
func parseReconciliationFilter(q url.Values) (store.ReconciliationFilter, error) {
	var f store.ReconciliationFilter
	if err := checkParams(q, reconciliationParams); err != nil {
		return f, err
	}
	f.Terminal, f.Pharmacy, f.Day = q.Get("terminal"), q.Get("pharmacy"), q.Get("day")
	if f.Day != "" {
		if _, err := time.Parse(time.DateOnly, f.Day); err != nil {
			return f, paramError("day", ParamMalformed, "day %q: want YYYY-MM-DD", f.Day)
		}
	}
	var err error
	if f.Mismatch, err = parseSwitch(q, "mismatch"); err != nil {
		return f, err
	}
	f.Limit, err = parseLimit(q)
	return f, err
}
