package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// WriteJSON answers v as JSON (HTML characters not escaped), never cached.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// Body says how a JSON request body is read. Strict unless told: the
// Content-Type must be application/json (so a cross-site form or a
// no-cors fetch, which cannot send it without a preflight, never reaches
// a handler), no field the target lacks, one value, at most Limit bytes.
type Body struct {
	// Limit bounds the body in bytes; it must be positive.
	Limit int64
	// AnyType accepts any Content-Type and AllowUnknown fields the target
	// lacks: only for clients written before bodies were strict.
	AnyType, AllowUnknown bool
}

// BodyError is why a request body was refused: Status is the answer's
// HTTP status (400, 413 or 415), the text says what was wrong.
type BodyError struct {
	Status int
	msg    string
}

func (e *BodyError) Error() string { return e.msg }

// TooLarge reports whether the body was over the limit (413).
func (e *BodyError) TooLarge() bool { return e.Status == http.StatusRequestEntityTooLarge }

// Decode decodes the request's body into v. It returns nil or a
// *BodyError; the caller answers in its own vocabulary.
func (b Body) Decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); !b.AnyType && !strings.HasPrefix(ct, "application/json") {
		return &BodyError{http.StatusUnsupportedMediaType, "want application/json, got " + ct}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, b.Limit))
	if !b.AllowUnknown {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	var tooBig *http.MaxBytesError
	if err == nil {
		switch _, tail := dec.Token(); {
		case errors.Is(tail, io.EOF):
		case errors.As(tail, &tooBig):
			err = tail
		default:
			err = errors.New("more than one JSON value")
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooBig):
		return &BodyError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", b.Limit)}
	default:
		return &BodyError{http.StatusBadRequest, "body: " + err.Error()}
	}
}
