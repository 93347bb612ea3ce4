package web

import (
	"net/http"
	"strconv"
	"time"
)

// Headers are the security headers of a UI's every answer: its own
// Content-Security-Policy, no framing by other sites (a framed page could
// be clicked into charging or publishing), no content sniffing, nothing
// cached.
type Headers struct {
	// CSP is the Content-Security-Policy; each UI allows what it loads.
	CSP string
	// Referrer is the Referrer-Policy; empty means "no-referrer".
	Referrer string
}

// Set sets the headers on w.
func (h Headers) Set(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.CSP)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	ref := h.Referrer
	if ref == "" {
		ref = "no-referrer"
	}
	hd.Set("Referrer-Policy", ref)
	hd.Set("Cache-Control", "no-store")
}

// Wrap returns next with the headers set on every answer.
func (h Headers) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Set(w)
		next.ServeHTTP(w, r)
	})
}

// SetRetryAfter sets Retry-After to d in whole seconds, rounded up (at
// least 1): when a refused request is worth trying again.
func SetRetryAfter(w http.ResponseWriter, d time.Duration) {
	secs := max(int64((d+time.Second-1)/time.Second), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
}
