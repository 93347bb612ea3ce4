package service_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre/centretest"
)

// sessionCookie is the console's session cookie.
const sessionCookie = "posagent_console"

// client is a browser or API client that sends the same extra headers
// (the ones a proxy would add, or a client forge) with every request. It
// keeps the console's cookies itself: a cookie jar would not send a
// Secure cookie back over http, which is what a proxy's backend sees.
type client struct {
	t       *testing.T
	base    string
	hc      *http.Client
	headers map[string]string
	cookies map[string]*http.Cookie
}

func newClient(t *testing.T, base string, hc *http.Client, headers map[string]string) *client {
	cl := *hc
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cl.Timeout = 10 * time.Second
	return &client{t: t, base: base, hc: &cl, headers: headers, cookies: map[string]*http.Cookie{}}
}

func (c *client) do(method, path string, form url.Values, auth func(*http.Request)) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	for _, ck := range c.cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	if auth != nil {
		auth(req)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		c.cookies[ck.Name] = ck
	}
	return resp, string(b)
}

var csrf = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

// login logs in to the console and returns the answer setting the session.
func (c *client) login(name, password string) *http.Response {
	c.t.Helper()
	_, page := c.do("GET", "/console/login?lang=en", nil, nil)
	m := csrf.FindStringSubmatch(page)
	if m == nil {
		c.t.Fatalf("no login form:\n%s", page)
	}
	resp, body := c.do("POST", "/console/login", url.Values{"csrf": {m[1]}, "name": {name},
		"password": {password}, "next": {"/console/"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || c.cookies[sessionCookie] == nil {
		c.t.Fatalf("login: %d\n%s", resp.StatusCode, body)
	}
	return resp
}

// TestHTTPSIsBelievedOnlyFromTrustedProxies: a console login and an API
// call saying X-Forwarded-Proto: https get Secure cookies and HSTS when
// they come from a trusted proxy's address, and neither when they come
// from anywhere else; over TLS they get both without any header.
func TestHTTPSIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	loopback, err := web.ParseTrustedProxies("127.0.0.0/8,::1")
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, _ := web.ParseTrustedProxies("10.0.0.0/8")
	spoof := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}

	type setup struct {
		name    string
		proxies web.TrustedProxies
		tls     bool
		headers map[string]string
		secure  bool
	}
	for _, s := range []setup{
		{"plain HTTP", nil, false, nil, false},
		{"spoofed, no proxy trusted", nil, false, spoof, false},
		{"spoofed from an untrusted address", elsewhere, false, spoof, false},
		{"from a trusted proxy", loopback, false, spoof, true},
		{"trusted proxy saying http", loopback, false, map[string]string{"X-Forwarded-Proto": "http"}, false},
		{"TLS", nil, true, nil, true},
	} {
		t.Run(s.name, func(t *testing.T) {
			c := centretest.StartWithOptions(t, centretest.Options{TrustedProxies: s.proxies})
			c.Users()
			base, hc := c.URL(), http.DefaultClient
			if s.tls {
				ts := httptest.NewTLSServer(c.Service.Handler())
				t.Cleanup(ts.Close)
				base, hc = ts.URL, ts.Client()
			}
			cl := newClient(t, base, hc, s.headers)
			resp := cl.login(centretest.SupervisorName, centretest.SupervisorPassword)
			checkSecure(t, "console login", resp, s.secure)
			for _, name := range []string{sessionCookie, "posagent_console_lang", "posagent_console_login"} {
				if ck := cl.cookies[name]; ck == nil || ck.Secure != s.secure {
					t.Errorf("cookie %s: %+v, want Secure %v", name, ck, s.secure)
				}
			}
			resp, page := cl.do("GET", "/console/terminals", nil, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("terminals page with the session: %d\n%s", resp.StatusCode, page)
			}
			checkSecure(t, "console page", resp, s.secure)
			resp, _ = cl.do("GET", "/api/terminals", nil, centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("API: %d", resp.StatusCode)
			}
			checkSecure(t, "API", resp, s.secure)
		})
	}
}

func checkSecure(t *testing.T, what string, resp *http.Response, secure bool) {
	t.Helper()
	got := resp.Header.Get("Strict-Transport-Security")
	if secure && got != "max-age=31536000" || !secure && got != "" {
		t.Errorf("%s: Strict-Transport-Security %q, want it only when secure (%v)", what, got, secure)
	}
}

// TestThrottleKnowsClientsByForwardedForOnlyBehindTrustedProxies: five
// failed API logins from one client throttle that client; behind a
// trusted proxy X-Forwarded-For tells clients apart, from an untrusted
// address a client cannot escape by changing it.
func TestThrottleKnowsClientsByForwardedForOnlyBehindTrustedProxies(t *testing.T) {
	loopback, _ := web.ParseTrustedProxies("127.0.0.1,::1")
	for _, behindProxy := range []bool{true, false} {
		var proxies web.TrustedProxies
		if behindProxy {
			proxies = loopback
		}
		c := centretest.StartWithOptions(t, centretest.Options{TrustedProxies: proxies})
		c.Users()
		from := func(xff string, name, password string) int {
			auth := func(r *http.Request) {
				r.SetBasicAuth(name, password)
				r.Header.Set("X-Forwarded-For", xff)
			}
			return c.Request("GET", "/api/terminals", auth, nil, nil).StatusCode
		}
		for i := range 5 { // a different user name each time: only the address's count grows
			if got := from("203.0.113.5", fmt.Sprintf("nobody%d", i), "wrong-password"); got != http.StatusUnauthorized {
				t.Fatalf("behind proxy %v: failure %d: %d", behindProxy, i, got)
			}
		}
		if got := from("203.0.113.5", centretest.SupervisorName, centretest.SupervisorPassword); got != http.StatusTooManyRequests {
			t.Errorf("behind proxy %v: the failing client: %d, want 429", behindProxy, got)
		}
		want := http.StatusOK // another client behind the proxy
		if !behindProxy {
			want = http.StatusTooManyRequests // the same client forging another address
		}
		if got := from("203.0.113.6", centretest.SupervisorName, centretest.SupervisorPassword); got != want {
			t.Errorf("behind proxy %v: another X-Forwarded-For: %d, want %d", behindProxy, got, want)
		}
	}
}

// TestAdminAPIIsNotOpenedByALocalProxy: a trusted proxy on the centre's
// own machine relays a remote client's request from loopback; the admin
// API still refuses it.
func TestAdminAPIIsNotOpenedByALocalProxy(t *testing.T) {
	loopback, _ := web.ParseTrustedProxies("127.0.0.1,::1")
	c := centretest.StartWithOptions(t, centretest.Options{TrustedProxies: loopback})
	body := `{"terminal":"T1","pharmacy":"P1"}`
	relayed := func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+c.Service.AdminToken())
		r.Header.Set("X-Forwarded-For", "203.0.113.5")
	}
	if resp := c.Request("POST", "/admin/enrol", relayed, strings.NewReader(body), nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("admin request relayed for a remote client: %d, want 403", resp.StatusCode)
	}
	if resp := c.Request("POST", "/admin/enrol", centretest.Bearer(c.Service.AdminToken()), strings.NewReader(body), nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("admin request from this machine: %d, want 200", resp.StatusCode)
	}
}
