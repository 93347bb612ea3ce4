package console

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"

	"posagent/internal/web"
	"posagent/sync/centre/api"
	"posagent/sync/centre/store"
)

// auditForm is the audit log's filter form as the user filled it in.
type auditForm struct {
	Action, Actor, From, To string
}

// auditData is what the audit page shows.
type auditData struct {
	Form    auditForm
	Actions []string        // the actions the form offers
	Chain   *api.AuditChain // nil when the page shows no list
	Rows    []auditRow
	Older   string // the next (older) page, "" when there is none
	CSV     string // this filter's events as CSV
}

// auditRow is one event of the list.
type auditRow struct {
	Seq                                  uint64
	When, WhenFull                       string
	Actor, Action, Subject, Detail, Hash string
}

// auditActions are the actions of the form's choice, in the order shown.
var auditActions = []string{store.AuditRuling, store.AuditConfirm, store.AuditPublish, store.AuditImport,
	store.AuditExport, store.AuditReadPersonal, store.AuditBlock, store.AuditUnblock, store.AuditEnrol,
	store.AuditRebase, store.AuditUserAdd, store.AuditUserChange, store.AuditVoucher}

// audit is GET /console/audit: whether the audit log's chain holds, then
// the newest pageSize events the filter selects, with a link to older
// ones (before the last seq shown) and to the filter's events as CSV
// (format=csv, itself audited as an export).
func (h *Handler) audit(w http.ResponseWriter, c *request) {
	q := c.r.URL.Query()
	data := auditData{Actions: auditActions, Form: auditForm{
		Action: q.Get("action"), Actor: q.Get("actor"), From: q.Get("from"), To: q.Get("to")}}
	params := url.Values{}
	for k, v := range q {
		if k != "lang" && (len(v) != 1 || v[0] != "") { // the form sends empty fields
			params[k] = v
		}
	}
	aq, err := api.ParseAuditQuery(params, c.loc)
	if err != nil {
		p := c.page("audit_title", "audit", data)
		p.Error = texts.T(c.lang, "audit_bad_filter")
		h.render(w, http.StatusBadRequest, "audit.html", p)
		return
	}
	ctx := c.r.Context()
	if aq.Filter.Limit == 0 || aq.Filter.Limit > pageSize {
		aq.Filter.Limit = pageSize
	}
	if aq.CSV {
		aq.Filter.Limit = api.MaxLimit
	}
	evs, err := h.centre.AuditLog(ctx, aq.Filter)
	var chain api.AuditChain
	if err == nil && !aq.CSV {
		chain, err = api.VerifyAuditChain(c.r, h.centre)
		data.Chain = &chain
	}
	if err != nil {
		h.log.Error("console: audit log", "err", err)
		h.message(w, c, http.StatusInternalServerError, "audit_title", texts.T(c.lang, "storage_error"))
		return
	}
	if aq.CSV {
		h.centre.Audit(ctx, store.AuditExport, "audit", params.Encode())
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
		if err := api.WriteAuditCSV(csv.NewWriter(w), evs, c.loc); err != nil {
			h.log.Error("console: audit csv", "err", err)
		}
		return
	}
	for _, e := range evs {
		data.Rows = append(data.Rows, auditRow{Seq: e.Seq, When: formatWhen(e.At, c.loc), WhenFull: formatWhenFull(e.At),
			Actor: e.Actor, Action: e.Action, Subject: e.Subject, Detail: e.Detail, Hash: e.Hash})
	}
	if n := len(evs); n > 0 && n == aq.Filter.Limit && evs[n-1].Seq > 1 {
		older := url.Values{}
		for k, v := range params {
			older[k] = v
		}
		older.Set("before", strconv.FormatUint(evs[n-1].Seq, 10))
		data.Older = (&url.URL{Path: prefix + "audit", RawQuery: older.Encode()}).String()
	}
	export := url.Values{}
	for k, v := range params {
		if k != "before" && k != "limit" {
			export[k] = v
		}
	}
	export.Set("format", "csv")
	data.CSV = (&url.URL{Path: prefix + "audit", RawQuery: export.Encode()}).String()
	p := c.page("audit_title", "audit", data)
	h.render(w, http.StatusOK, "audit.html", p)
}

// audited records in the audit log each page next answers successfully,
// as read by the session's user (as the API's reads are): with
// format=csv an export of subject, otherwise, when personal (the page
// shows cards or holders), a read of personal data. The detail is the
// query (the filter) without the language, or the record's path.
func (h *Handler) audited(subject string, personal bool, next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, c *request) {
		rec := &web.StatusRecorder{ResponseWriter: w}
		next(rec, c)
		if rec.Status >= 300 {
			return
		}
		q := c.r.URL.Query()
		action := store.AuditReadPersonal
		if q.Get("format") == "csv" {
			action = store.AuditExport
		} else if !personal {
			return
		}
		q.Del("lang")
		subj := subject
		if t, seq := c.r.PathValue("terminal"), c.r.PathValue("seq"); t != "" {
			subj += " " + t + "/" + seq
		}
		h.centre.Audit(c.r.Context(), action, subj, q.Encode())
	}
}
