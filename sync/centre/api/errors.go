package api

import (
	"errors"
	"net/http"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/store"
)

// codes write the centre's error answers: {code, message, message_zh}.
var codes = web.Codes(centre.MessagesZh)

// writeOpError answers the error of an operation (publish, import, ...).
func (s *Server) writeOpError(w http.ResponseWriter, op string, err error) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		codes.Write(w, http.StatusRequestEntityTooLarge, centre.CodeTooLarge, err.Error())
	case errors.Is(err, centre.ErrWeakPassword):
		codes.Write(w, http.StatusBadRequest, centre.CodeWeakPassword, err.Error())
	case errors.Is(err, centre.ErrInvalid):
		codes.Write(w, http.StatusBadRequest, centre.CodeInvalidInput, err.Error())
	case errors.Is(err, centre.ErrNoSigningKey):
		codes.Write(w, http.StatusConflict, centre.CodeNoKey, err.Error())
	case errors.Is(err, store.ErrNotReplaced):
		codes.Write(w, http.StatusConflict, centre.CodeNotReplaced, err.Error())
	default:
		s.log.Error(op+" failed", "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, op+": "+err.Error())
	}
}

// decode reads a strict JSON request body of at most limit bytes into v
// (see web.Body). On failure it has answered (400 BAD_REQUEST, 413
// TOO_LARGE or 415 BAD_REQUEST) and returns false.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	err := web.Body{Limit: limit}.Decode(w, r, v)
	var be *web.BodyError
	switch {
	case err == nil:
		return true
	case errors.As(err, &be) && be.TooLarge():
		codes.Write(w, be.Status, centre.CodeTooLarge, be.Error())
	case errors.As(err, &be):
		codes.Write(w, be.Status, centre.CodeBadRequest, be.Error())
	default:
		codes.Write(w, http.StatusBadRequest, centre.CodeBadRequest, err.Error())
	}
	return false
}
