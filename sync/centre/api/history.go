package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// HistoryTopCodes is how many codes a history names.
const HistoryTopCodes = 5

// HistoryQuery is whose history (SPEC §11, issue 11 §2) is drawn and for
// which month: a pharmacy's or a person's (card's), not both.
type HistoryQuery struct {
	Pharmacy string
	CardNo   string
	Month    string    // as given: YYYY-MM
	Start    time.Time // the month's first instant in the centre's zone
	End      time.Time // the next month's first instant, exclusive
}

var historyParams = map[string]bool{"pharmacy": true, "card_no": true, "month": true}

// ParseHistoryQuery reads the query of GET /api/history (and of the
// console's history page): pharmacy or card_no, and month (YYYY-MM in
// loc).
func ParseHistoryQuery(q url.Values, loc *time.Location) (HistoryQuery, error) {
	if err := checkParams(q, historyParams); err != nil {
		return HistoryQuery{}, err
	}
	h := HistoryQuery{Pharmacy: q.Get("pharmacy"), CardNo: q.Get("card_no"), Month: q.Get("month")}
	switch {
	case h.Pharmacy == "" && h.CardNo == "":
		return h, paramError("pharmacy", ParamMissing, "pharmacy or card_no is required")
	case h.Pharmacy != "" && h.CardNo != "":
		return h, paramError("card_no", ParamExclusive, "card_no: give a pharmacy or a card, not both")
	case h.CardNo != "":
		if err := centre.CheckCardNo(h.CardNo); err != nil {
			return h, paramError("card_no", ParamMalformed, "card_no %q: %w", h.CardNo, err)
		}
	}
	if h.Month == "" {
		return h, paramError("month", ParamMissing, "month is required")
	}
	m, err := time.ParseInLocation("2006-01", h.Month, loc)
	if err != nil {
		return h, paramError("month", ParamMalformed, "month %q: want YYYY-MM", h.Month)
	}
	h.Start, h.End = m, m.AddDate(0, 1, 0)
	return h, nil
}

// History is the answer of GET /api/history: whose, which month, and the
// month's charges day by day (ledger.BuildHistory).
type History struct {
	Pharmacy string `json:"pharmacy,omitempty"`
	CardNo   string `json:"card_no,omitempty"`
	Month    string `json:"month"`
	ledger.History
}

// DrawHistory loads the charges q names, paging through the store, and
// sums them day by day in the centre's zone.
func DrawHistory(ctx context.Context, c *centre.Centre, q HistoryQuery) (History, error) {
	txns, err := periodCharges(ctx, c, store.Filter{Pharmacy: q.Pharmacy, CardNo: q.CardNo, Kind: wire.KindCharge, From: q.Start, To: q.End})
	if err != nil {
		return History{}, err
	}
	entries := make([]ledger.HistoryEntry, len(txns))
	for i, t := range txns {
		codes := append([]string{}, t.Flags...)
		for _, r := range t.Reasons {
			codes = append(codes, string(r.Code))
		}
		entries[i] = ledger.HistoryEntry{At: t.At, Kind: t.Kind, Account: t.Account, Held: t.Held, Hold: t.Hold,
			Flagged: t.Flagged(), Codes: uniq(codes)}
	}
	return History{Pharmacy: q.Pharmacy, CardNo: q.CardNo, Month: q.Month,
		History: ledger.BuildHistory(entries, q.Start, q.End, c.Location(), HistoryTopCodes)}, nil
}

// uniq is ss with repeats left out, in first-seen order.
func uniq(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// handleHistory is GET /api/history: a pharmacy's or a person's month,
// day by day.
func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	q, err := ParseHistoryQuery(r.URL.Query(), s.centre.Location())
	if err != nil {
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, err.Error())
		return
	}
	h, err := DrawHistory(r.Context(), s.centre, q)
	switch {
	case errors.Is(err, ErrPopulationTooLarge):
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, err.Error()+"; the month has too many records for one history")
	case err != nil:
		s.log.Error("history", "pharmacy", q.Pharmacy, "month", q.Month, "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
	default:
		web.WriteJSON(w, http.StatusOK, h)
	}
}
