package api

import (
	"errors"
	"net/http"

	"posagent/sync/centre"
	"posagent/sync/centre/web"
)

// writeOpError answers the error of an operation (publish, import, ...).
func (s *Server) writeOpError(w http.ResponseWriter, op string, err error) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		web.WriteError(w, http.StatusRequestEntityTooLarge, web.CodeTooLarge, err.Error())
	case errors.Is(err, centre.ErrInvalid):
		web.WriteError(w, http.StatusBadRequest, web.CodeInvalidInput, err.Error())
	case errors.Is(err, centre.ErrNoSigningKey):
		web.WriteError(w, http.StatusConflict, web.CodeNoKey, err.Error())
	default:
		s.log.Error(op+" failed", "err", err)
		web.WriteError(w, http.StatusInternalServerError, web.CodeInternal, op+": "+err.Error())
	}
}
