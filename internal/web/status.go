package web

import "net/http"

// StatusRecorder is a ResponseWriter that remembers the status its
// handler answered (200 when it wrote without one), for middleware that
// acts only on success, such as the centre's audit of reads and exports.
type StatusRecorder struct {
	http.ResponseWriter
	Status int // 0 until the handler answers
}

// WriteHeader records the first status and passes it on.
func (s *StatusRecorder) WriteHeader(code int) {
	if s.Status == 0 {
		s.Status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write records 200 when nothing was answered yet and passes b on.
func (s *StatusRecorder) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
