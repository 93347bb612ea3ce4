package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatusRecorderKeepsTheFirstStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    func(w http.ResponseWriter)
		want int
	}{
		{"written without a status", func(w http.ResponseWriter) { w.Write([]byte("x")) }, http.StatusOK},
		{"an error", func(w http.ResponseWriter) { w.WriteHeader(http.StatusConflict); w.Write([]byte("x")) }, http.StatusConflict},
		{"a redirect, then a second header", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusSeeOther)
			w.WriteHeader(http.StatusOK)
		}, http.StatusSeeOther},
		{"nothing", func(http.ResponseWriter) {}, 0},
	} {
		rec := httptest.NewRecorder()
		s := &StatusRecorder{ResponseWriter: rec}
		tc.h(s)
		if s.Status != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, s.Status, tc.want)
		}
	}
}
