package api

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/store"
)

var auditParams = map[string]bool{
	"action": true, "actor": true, "from": true, "to": true, "before": true, "limit": true, "format": true,
}

// AuditQuery is a query of the audit log.
type AuditQuery struct {
	Filter store.AuditFilter
	CSV    bool // format=csv
}

// ParseAuditQuery reads the query of GET /api/audit (and of the console's
// audit page): action, actor, from and to (RFC 3339 or YYYY-MM-DD in loc,
// as ParseFilter), before (a seq: the page after one ending at it),
// limit, and format "json" (the default) or "csv".
func ParseAuditQuery(q url.Values, loc *time.Location) (AuditQuery, error) {
	var a AuditQuery
	if err := checkParams(q, auditParams); err != nil {
		return a, err
	}
	f := store.AuditFilter{Action: q.Get("action"), Actor: q.Get("actor")}
	var err error
	if f.From, f.To, err = parsePeriod(q, loc); err != nil {
		return a, err
	}
	if f.Limit, err = parseLimit(q); err != nil {
		return a, err
	}
	if v := q.Get("before"); v != "" {
		if f.Before, err = strconv.ParseUint(v, 10, 64); err != nil || f.Before == 0 {
			return a, fmt.Errorf("before %q: want a seq from 1", v)
		}
	}
	switch v := q.Get("format"); v {
	case "", "json":
	case "csv":
		a.CSV = true
	default:
		return a, fmt.Errorf("format %q: want json or csv", v)
	}
	a.Filter = f
	return a, nil
}

// AuditCSVHeader is the first row of the audit log as CSV.
var AuditCSVHeader = []string{"seq", "at", "actor", "action", "subject", "detail", "prev_hash", "hash"}

// WriteAuditCSV writes events as CSV, times in loc: the header and a row
// per event, as listed. The hashes let the chain be checked offline.
func WriteAuditCSV(w *csv.Writer, evs []store.AuditEvent, loc *time.Location) error {
	rows := [][]string{AuditCSVHeader}
	for _, e := range evs {
		rows = append(rows, []string{strconv.FormatUint(e.Seq, 10), e.At.In(loc).Format(time.RFC3339Nano),
			CSVCell(e.Actor), e.Action, CSVCell(e.Subject), CSVCell(e.Detail), e.PrevHash, e.Hash})
	}
	return w.WriteAll(rows)
}

// AuditChain is the chain's state as GET /api/audit/verify answers it.
type AuditChain struct {
	Verified int                `json:"verified"`         // events that hold, from seq 1
	Broken   *store.AuditBroken `json:"broken,omitempty"` // the first that does not; nil when all hold
}

// VerifyAuditChain walks the audit log's chain.
func VerifyAuditChain(r *http.Request, c *centre.Centre) (AuditChain, error) {
	return ChainOf(c.VerifyAudit(r.Context()))
}

// ChainOf is what VerifyAudit answered as an AuditChain: a broken chain
// is not an error, any other error is.
func ChainOf(n int, err error) (AuditChain, error) {
	var broken *store.AuditBroken
	if errors.As(err, &broken) {
		return AuditChain{Verified: n, Broken: broken}, nil
	}
	return AuditChain{Verified: n}, err
}

// handleAudit is GET /api/audit: the audit log, newest first, as JSON or,
// with format=csv, as CSV. A CSV export is itself audited, after the
// listing (an export never lists itself).
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	q, err := ParseAuditQuery(r.URL.Query(), s.centre.Location())
	if err != nil {
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, err.Error())
		return
	}
	evs, err := s.centre.AuditLog(r.Context(), q.Filter)
	if err != nil {
		s.log.Error("audit log", "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
		return
	}
	if !q.CSV {
		web.WriteJSON(w, http.StatusOK, map[string]any{"events": evs})
		return
	}
	s.centre.Audit(r.Context(), store.AuditExport, "audit", r.URL.RawQuery)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
	if err := WriteAuditCSV(csv.NewWriter(w), evs, s.centre.Location()); err != nil {
		s.log.Error("audit csv", "err", err)
	}
}

// handleAuditVerify is GET /api/audit/verify: how many events of the
// audit log's chain hold, and the first that does not.
func (s *Server) handleAuditVerify(w http.ResponseWriter, r *http.Request) {
	chain, err := VerifyAuditChain(r, s.centre)
	if err != nil {
		s.log.Error("verify audit log", "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
		return
	}
	web.WriteJSON(w, http.StatusOK, chain)
}

// audited records in the audit log each request h answers successfully,
// as done by the requesting user: with format=csv an export of subject,
// otherwise, when personal (the answer names cards or holders), a read of
// personal data. The detail is the request's query (its filter) or, for
// a path naming a card, the path.
func (s *Server) audited(subject string, personal bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &web.StatusRecorder{ResponseWriter: w}
		h(rec, r)
		if rec.Status >= 300 {
			return
		}
		action := store.AuditReadPersonal
		if r.URL.Query().Get("format") == "csv" {
			action = store.AuditExport
		} else if !personal {
			return
		}
		subj := subject
		if card := r.PathValue("card_no"); card != "" {
			subj += " " + card
		}
		s.centre.Audit(r.Context(), action, subj, r.URL.RawQuery)
	}
}
