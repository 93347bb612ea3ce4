package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
)

// WriteHTML executes the template name of t with data and answers the
// page with status. The page is made in a buffer first: on a template
// error nothing is written, so the caller can answer a clean 500 rather
// than half a page.
func WriteHTML(w http.ResponseWriter, status int, t *template.Template, name string, data any) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("template %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}
