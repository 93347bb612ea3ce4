package console_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/console"
)

// browser is a console user's browser: it keeps cookies and does not
// follow redirects, so tests see them.
type browser struct {
	t    testing.TB
	base string
	hc   *http.Client
}

func newBrowser(t testing.TB, base string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, base: base, hc: hc}
}

// do sends a request and returns the response with its body read.
func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

// csrfOf finds the form token in a page.
func csrfOf(t testing.TB, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in page:\n%s", page)
	}
	return m[1]
}

// login fills in the login form and returns the POST's answer.
func (b *browser) login(name, password string) (*http.Response, string) {
	b.t.Helper()
	resp, page := b.get("/console/login")
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("login form: status %d", resp.StatusCode)
	}
	return b.post("/console/login", url.Values{"csrf": {csrfOf(b.t, page)}, "name": {name},
		"password": {password}, "next": {"/console/"}})
}

// mustLogin logs in and fails the test unless it worked.
func (b *browser) mustLogin(name, password string) {
	b.t.Helper()
	resp, body := b.login(name, password)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		b.t.Fatalf("login %s: status %d, location %q:\n%s", name, resp.StatusCode, resp.Header.Get("Location"), body)
	}
}

// token returns the session's CSRF token from the start page.
func (b *browser) token() string {
	b.t.Helper()
	resp, page := b.get("/console/terminals")
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("terminals page: status %d", resp.StatusCode)
	}
	return csrfOf(b.t, page)
}

// expectLoginRedirect checks resp sends the browser to the login page.
func expectLoginRedirect(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/login") {
		t.Fatalf("%s: status %d location %q, want 303 to /console/login", what, resp.StatusCode, resp.Header.Get("Location"))
	}
}

// sessionCookieSet returns the session cookie resp sets, or nil.
func sessionCookieSet(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == console.SessionCookie {
			return c
		}
	}
	return nil
}
