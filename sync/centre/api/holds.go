package api

import (
	"errors"
	"net/http"
	"strconv"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
)

// RulingRequest is the body of POST /api/holds/{terminal}/{seq}: a
// supervisor's ruling on a charge's held amount, "accept", "refuse"
// (拒付), "defer" (缓付) or "confirm" (a second supervisor confirms a
// pending refusal), with a note (required for refuse and defer).
type RulingRequest struct {
	Ruling string `json:"ruling"`
	Note   string `json:"note"`
}

// handleRuleHold is POST /api/holds/{terminal}/{seq}: it answers the
// record as it now stands (a refusal above second_review_amount leaves
// hold "refuse_pending"); 400 BAD_RULING for an unknown ruling or a
// missing or too long note, 404 NOT_FOUND for no such record, 409 NO_HOLD
// for one with nothing held awaiting a ruling (ruled already), 409
// NOT_PENDING for confirm with no refusal awaiting confirmation (or
// refuse with one), 409 OWN_RULING for a supervisor ruling on their own
// pending refusal.
func (s *Server) handleRuleHold(w http.ResponseWriter, r *http.Request) {
	terminal, seq, ok := recordPath(w, r)
	if !ok {
		return
	}
	var req RulingRequest
	if !decode(w, r, MaxSmallBody, &req) {
		return
	}
	name, _, _ := r.BasicAuth()
	t, err := s.centre.RuleHold(r.Context(), terminal, seq, req.Ruling, req.Note, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		codes.Write(w, http.StatusNotFound, centre.CodeNotFound, "no such record")
	case err != nil && centre.CodeOf(err) == centre.CodeBadRuling:
		codes.Write(w, http.StatusBadRequest, centre.CodeBadRuling, err.Error())
	case errors.Is(err, store.ErrNoHold):
		codes.Write(w, http.StatusConflict, centre.CodeNoHold, "nothing held awaiting a ruling")
	case errors.Is(err, ledger.ErrOwnRuling):
		codes.Write(w, http.StatusConflict, centre.CodeOwnRuling, "a refusal awaiting a second supervisor needs someone other than its author")
	case errors.Is(err, ledger.ErrNotPending):
		codes.Write(w, http.StatusConflict, centre.CodeNotPending, err.Error())
	case err != nil:
		s.writeOpError(w, "rule on a hold", err)
	default:
		web.WriteJSON(w, http.StatusOK, t)
	}
}

// handleRulings is GET /api/holds/{terminal}/{seq}/rulings: the record's
// ruling history, oldest first ([] when never ruled on); 404 NOT_FOUND
// for no such record.
func (s *Server) handleRulings(w http.ResponseWriter, r *http.Request) {
	terminal, seq, ok := recordPath(w, r)
	if !ok {
		return
	}
	rs, err := s.centre.Rulings(r.Context(), terminal, seq)
	switch {
	case errors.Is(err, store.ErrNotFound):
		codes.Write(w, http.StatusNotFound, centre.CodeNotFound, "no such record")
	case err != nil:
		s.writeOpError(w, "read rulings", err)
	default:
		web.WriteJSON(w, http.StatusOK, rs)
	}
}

// recordPath reads {terminal} and {seq} of the path; on a bad seq it has
// answered 400 BAD_PARAM and returns false.
func recordPath(w http.ResponseWriter, r *http.Request) (string, uint64, bool) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil || seq == 0 {
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, "seq: want a positive integer")
		return "", 0, false
	}
	return r.PathValue("terminal"), seq, true
}
