package web

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBodyDecodesStrictly(t *testing.T) {
	type req struct {
		Name string `json:"name"`
	}
	cases := []struct {
		name, ct, body string
		body2          Body
		status         int // 0: accepted
	}{
		{"good", "application/json", `{"name":"x"}`, Body{Limit: 64}, 0},
		{"charset", "application/json; charset=utf-8", `{"name":"x"} `, Body{Limit: 64}, 0},
		{"no type", "", `{"name":"x"}`, Body{Limit: 64}, 415},
		{"form", "application/x-www-form-urlencoded", `{"name":"x"}`, Body{Limit: 64}, 415},
		{"unknown field", "application/json", `{"name":"x","extra":1}`, Body{Limit: 64}, 400},
		{"two values", "application/json", `{"name":"x"}{}`, Body{Limit: 64}, 400},
		{"garbage after", "application/json", `{"name":"x"} x`, Body{Limit: 64}, 400},
		{"truncated", "application/json", `{"name":`, Body{Limit: 64}, 400},
		{"too large", "application/json", `{"name":"` + strings.Repeat("x", 100) + `"}`, Body{Limit: 64}, 413},
		{"too large after the value", "application/json", `{"name":"x"}` + strings.Repeat(" ", 100) + "1", Body{Limit: 64}, 413},
		{"lenient: no type, unknown field", "", `{"name":"x","extra":1}`, Body{Limit: 64, AnyType: true, AllowUnknown: true}, 0},
		{"lenient: still one value", "", `{"name":"x"}{}`, Body{Limit: 64, AnyType: true, AllowUnknown: true}, 400},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		if c.ct != "" {
			r.Header.Set("Content-Type", c.ct)
		}
		var v req
		err := c.body2.Decode(httptest.NewRecorder(), r, &v)
		var be *BodyError
		switch {
		case c.status == 0 && (err != nil || v.Name != "x"):
			t.Errorf("%s: %v, %+v", c.name, err, v)
		case c.status != 0 && (!errors.As(err, &be) || be.Status != c.status || be.Error() == "" || be.TooLarge() != (c.status == 413)):
			t.Errorf("%s: %v, want status %d", c.name, err, c.status)
		}
	}
}

func TestErrorsAnswerInBothLanguages(t *testing.T) {
	w := httptest.NewRecorder()
	Codes{"NOPE": "不行"}.Write(w, http.StatusTeapot, "NOPE", "no <way>")
	if w.Code != http.StatusTeapot || w.Header().Get("Content-Type") != "application/json; charset=utf-8" ||
		w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	if got := w.Body.String(); got != `{"code":"NOPE","message":"no <way>","message_zh":"不行"}`+"\n" {
		t.Errorf("body %s", got)
	}
	var e ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.MessageZh != "不行" {
		t.Errorf("%+v %v", e, err)
	}
}

func TestBearerAndSecrets(t *testing.T) {
	for h, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "BEARER x": "x", "Bearer ": "", "Basic abc": "", "": ""} {
		r := httptest.NewRequest("GET", "/", nil)
		if h != "" {
			r.Header.Set("Authorization", h)
		}
		if got, ok := BearerToken(r); got != want || ok != (want != "") {
			t.Errorf("BearerToken(%q) = %q, %v", h, got, ok)
		}
	}
	if !EqualSecret("s3cret", "s3cret") || EqualSecret("s3cret", "s3cre") || EqualSecret("", "x") || !EqualSecret("", "") {
		t.Error("EqualSecret")
	}
}

func TestHeadersOnEveryAnswer(t *testing.T) {
	h := Headers{CSP: "default-src 'none'"}.Wrap(http.NotFoundHandler())
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	for k, want := range map[string]string{"Content-Security-Policy": "default-src 'none'", "X-Frame-Options": "DENY",
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	w = httptest.NewRecorder()
	Headers{CSP: "x", Referrer: "same-origin"}.Set(w)
	if w.Header().Get("Referrer-Policy") != "same-origin" {
		t.Error("Referrer-Policy not passed")
	}
}

func TestWriteHTMLWritesNothingOnATemplateError(t *testing.T) {
	tpl := template.Must(template.New("p").Parse(`<p>{{.Name}}</p>{{define "bad"}}{{.Name.Nope}}{{end}}`))
	w := httptest.NewRecorder()
	if err := WriteHTML(w, http.StatusAccepted, tpl, "p", struct{ Name string }{"<b>"}); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusAccepted || w.Body.String() != "<p>&lt;b&gt;</p>" || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("%d %q %v", w.Code, w.Body, w.Header())
	}
	w = httptest.NewRecorder()
	if err := WriteHTML(w, http.StatusOK, tpl, "bad", struct{ Name string }{"x"}); err == nil || w.Body.Len() != 0 || len(w.Header()) != 0 {
		t.Errorf("template error: %v, wrote %q %v", err, w.Body, w.Header())
	}
}
