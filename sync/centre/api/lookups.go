package api

import (
	"net/http"
	"net/url"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/alerts"
	"posagent/sync/centre/store"
)

var lookupParams = map[string]bool{
	"terminal": true, "pharmacy": true, "card_no": true, "from": true, "to": true,
	"without_sale": true, "limit": true,
}

// handleLookups is GET /api/lookups?terminal=&pharmacy=&card_no=&from=
// &to=&without_sale=1&limit=: the terminals' account look-ups, newest
// first, each saying whether a sale followed, and the alerts over the
// same terminal, pharmacy and period (the last 7 days without from).
func (s *Server) handleLookups(w http.ResponseWriter, r *http.Request) {
	f, err := ParseLookupFilter(r.URL.Query(), s.centre.Location())
	if err != nil {
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, err.Error())
		return
	}
	ls, err := s.centre.Lookups(r.Context(), f)
	if err != nil {
		s.log.Error("list look-ups", "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
		return
	}
	as, err := s.centre.LookupAlerts(r.Context(), f)
	if err != nil {
		s.log.Error("look-up alerts", "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
		return
	}
	if as == nil {
		as = []alerts.Alert{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"lookups": ls, "alerts": as})
}

// ParseLookupFilter reads the query of /api/lookups (and of the console's
// look-ups page): from and to as for /api/transactions. Unknown or
// repeated parameters are refused.
func ParseLookupFilter(q url.Values, loc *time.Location) (store.LookupFilter, error) {
	var f store.LookupFilter
	if err := checkParams(q, lookupParams); err != nil {
		return f, err
	}
	f.Terminal, f.Pharmacy, f.CardNo = q.Get("terminal"), q.Get("pharmacy"), q.Get("card_no")
	var err error
	if f.WithoutSale, err = parseSwitch(q, "without_sale"); err != nil {
		return f, err
	}
	if f.From, f.To, err = parsePeriod(q, loc); err != nil {
		return f, err
	}
	f.Limit, err = parseLimit(q)
	return f, err
}
