package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"posagent/sync/centre"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
)

// rulingView is what a record's page shows about rulings: its history
// and, while its hold awaits a ruling, the form.
type rulingView struct {
	History   []store.Ruling
	Awaiting  bool   // the hold awaits a ruling: the form shows
	PendingBy string // the author of a refusal awaiting confirmation; "" when none
	Mine      bool   // PendingBy is the logged-in supervisor: no confirm offered
	Note      string // the note of a failed attempt, shown again
}

// rulingsOf reads t's ruling history for its page.
func (h *Handler) rulingsOf(c *request, t store.Txn) (rulingView, error) {
	v := rulingView{Awaiting: ledger.HoldAwaiting(t.Hold)}
	rs, err := h.centre.Rulings(c.r.Context(), t.Terminal, t.Seq)
	if err != nil {
		return v, err
	}
	v.History = rs
	if t.Hold == store.HoldRefusePending {
		for i := len(rs) - 1; i >= 0; i-- {
			if rs[i].State == store.HoldRefusePending {
				v.PendingBy = rs[i].By
				break
			}
		}
		v.Mine = v.PendingBy == c.sess.Value.Name
	}
	return v, nil
}

// rule is POST /console/txn/{terminal}/{seq}/rule: the logged-in
// supervisor's ruling (form fields ruling and note) on the record's hold.
// Done, it redirects to the record's page saying so; refused, it shows
// the page again with the reason, from the catalogue.
func (h *Handler) rule(w http.ResponseWriter, c *request) {
	terminal := c.r.PathValue("terminal")
	seq, err := strconv.ParseUint(c.r.PathValue("seq"), 10, 64)
	if err != nil || seq == 0 {
		h.message(w, c, http.StatusNotFound, "not_found_title", texts.T(c.lang, "txn_not_found"))
		return
	}
	action, note := c.r.FormValue("ruling"), strings.TrimSpace(c.r.FormValue("note"))
	t, err := h.centre.RuleHold(c.r.Context(), terminal, seq, action, note, c.sess.Value.Name)
	if err == nil {
		q := url.Values{"ruled": {t.Hold}, "at": {t.At.Format(time.RFC3339Nano)}}
		http.Redirect(w, c.r, prefix+"txn/"+url.PathEscape(terminal)+"/"+strconv.FormatUint(seq, 10)+"?"+q.Encode(), http.StatusSeeOther)
		return
	}
	status, key := rulingFailure(err)
	if status == http.StatusNotFound {
		h.message(w, c, status, "not_found_title", texts.T(c.lang, "txn_not_found"))
		return
	}
	if status == http.StatusInternalServerError {
		h.log.Error("console: ruling failed", "terminal", terminal, "seq", seq, "user", c.sess.Value.Name, "err", err)
	}
	h.showTxn(w, c, terminal, seq, status, texts.T(c.lang, key), note)
}

// rulingFailure is the HTTP status and the catalogue key of a failed
// ruling.
func rulingFailure(err error) (int, string) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "txn_not_found"
	case errors.Is(err, ledger.ErrNoteRequired):
		return http.StatusBadRequest, "ruling_note_required"
	}
	switch centre.CodeOf(err) {
	case centre.CodeBadRuling:
		return http.StatusBadRequest, "ruling_bad"
	case centre.CodeOwnRuling:
		return http.StatusConflict, "ruling_own"
	case centre.CodeNotPending:
		return http.StatusConflict, "ruling_not_pending"
	case centre.CodeNoHold:
		return http.StatusConflict, "ruling_no_hold"
	}
	return http.StatusInternalServerError, "storage_error"
}
