package api

import (
	"errors"
	"net/http"
	"strconv"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/store"
)

// RulingRequest is the body of POST /api/holds/{terminal}/{seq}: a
// supervisor's ruling on a charge's held amount, "accept" or "refuse".
type RulingRequest struct {
	Ruling string `json:"ruling"`
}

// handleRuleHold is POST /api/holds/{terminal}/{seq}: it answers the
// record as it now stands; 404 NOT_FOUND for no such record, 409 NO_HOLD
// for one with nothing held awaiting a ruling (ruled already).
func (s *Server) handleRuleHold(w http.ResponseWriter, r *http.Request) {
	terminal := r.PathValue("terminal")
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil || seq == 0 {
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, "seq: want a positive integer")
		return
	}
	var req RulingRequest
	if !decode(w, r, MaxSmallBody, &req) {
		return
	}
	name, _, _ := r.BasicAuth()
	t, err := s.centre.RuleHold(r.Context(), terminal, seq, req.Ruling, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		codes.Write(w, http.StatusNotFound, centre.CodeNotFound, "no such record")
	case errors.Is(err, store.ErrNoHold):
		codes.Write(w, http.StatusConflict, centre.CodeNoHold, "nothing held awaiting a ruling")
	case err != nil:
		s.writeOpError(w, "rule on a hold", err)
	default:
		web.WriteJSON(w, http.StatusOK, t)
	}
}
