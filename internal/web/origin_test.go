package web

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestParseTrustedProxies(t *testing.T) {
	p, err := ParseTrustedProxies(" 10.0.0.0/8, 192.168.1.7 ,::1,fd00::/8,10.1.2.3/16,")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.String(); got != "10.0.0.0/8,192.168.1.7/32,::1/128,fd00::/8,10.1.0.0/16" {
		t.Errorf("parsed %s", got)
	}
	if p, err := ParseTrustedProxies(""); err != nil || p != nil {
		t.Errorf("empty: %v %v, want no proxy", p, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "nginx", "10.0.0.0/8;10.1.0.0/16", "10.0.0/8", "*"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestOriginBelievesOnlyTrustedProxies: the forwarding headers count only
// from a trusted network's address; X-Forwarded-For is walked from the
// nearest hop back to the first address that is not a trusted proxy.
func TestOriginBelievesOnlyTrustedProxies(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8,127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, remote, proto string
		xff                 []string
		tls                 bool
		want                Origin
	}{
		{"direct", "198.51.100.9:5000", "", nil, false, Origin{false, "198.51.100.9"}},
		{"direct TLS", "198.51.100.9:5000", "", nil, true, Origin{true, "198.51.100.9"}},
		{"spoofed by a client", "198.51.100.9:5000", "https", []string{"127.0.0.1"}, false, Origin{false, "198.51.100.9"}},
		{"proxy says https", "10.0.0.2:5000", "https", []string{"203.0.113.5"}, false, Origin{true, "203.0.113.5"}},
		{"proxy says HTTPS", "10.0.0.2:5000", "HTTPS", nil, false, Origin{true, "10.0.0.2"}},
		{"proxy says http", "10.0.0.2:5000", "http", []string{"203.0.113.5"}, false, Origin{false, "203.0.113.5"}},
		{"proxy appended to a client's https", "10.0.0.2:5000", "https, http", nil, false, Origin{false, "10.0.0.2"}},
		{"client forged hops before its own", "10.0.0.2:5000", "https", []string{"1.2.3.4, 10.9.9.9", "203.0.113.5, 10.0.0.1"}, false, Origin{true, "203.0.113.5"}},
		{"every hop a proxy", "127.0.0.1:5000", "", []string{"10.0.0.3, 10.0.0.1"}, false, Origin{false, "10.0.0.3"}},
		{"garbage hop", "10.0.0.2:5000", "", []string{"203.0.113.5, junk, 10.0.0.1"}, false, Origin{false, "10.0.0.1"}},
		{"IPv4 in IPv6", "[::ffff:10.0.0.2]:5000", "https", []string{"2001:db8::7"}, false, Origin{true, "2001:db8::7"}},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if got := trusted.Origin(r); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
		if got := TrustedProxies(nil).Origin(r); got.Client != hostOf(c.remote) || got.Secure != c.tls {
			t.Errorf("%s, no proxy trusted: %+v", c.name, got)
		}
	}
}

// TestSecureCookiesAndHSTSOverRealHTTP: on loopback, a spoofed
// X-Forwarded-Proto from an untrusted address gets neither a Secure
// cookie nor HSTS; the same from a trusted one gets both, as does TLS.
func TestSecureCookiesAndHSTSOverRealHTTP(t *testing.T) {
	choice := LangChoice{Cookie: "lang", Path: "/"}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		choice.Choose(w, r)
		_, _ = w.Write([]byte(ClientIP(r)))
	})
	notLoopback, _ := ParseTrustedProxies("10.0.0.0/8")
	loopback, _ := ParseTrustedProxies("127.0.0.0/8,::1")
	untrusted := httptest.NewServer(notLoopback.Wrap(page))
	defer untrusted.Close()
	trusted := httptest.NewServer(loopback.Wrap(page))
	defer trusted.Close()
	overTLS := httptest.NewTLSServer(TrustedProxies(nil).Wrap(page))
	defer overTLS.Close()

	get := func(base string, hc *http.Client, spoof bool) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest("GET", base+"/?lang=en", nil)
		if err != nil {
			t.Fatal(err)
		}
		if spoof {
			req.Header.Set("X-Forwarded-Proto", "https")
			req.Header.Set("X-Forwarded-For", "203.0.113.5")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		buf := make([]byte, 64)
		n, _ := resp.Body.Read(buf)
		return resp, string(buf[:n])
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	for _, c := range []struct {
		name   string
		base   string
		hc     *http.Client
		spoof  bool
		secure bool
		client string
	}{
		{"plain, no headers", untrusted.URL, hc, false, false, "127.0.0.1"},
		{"spoofed from an untrusted address", untrusted.URL, hc, true, false, "127.0.0.1"},
		{"from a trusted proxy", trusted.URL, hc, true, true, "203.0.113.5"},
		{"TLS", overTLS.URL, overTLS.Client(), false, true, "127.0.0.1"},
	} {
		resp, client := get(c.base, c.hc, c.spoof)
		cks := resp.Cookies()
		if len(cks) != 1 || cks[0].Secure != c.secure {
			t.Errorf("%s: cookies %+v, want one with Secure %v", c.name, cks, c.secure)
		}
		hsts := resp.Header.Get("Strict-Transport-Security")
		if (hsts == HSTS) != c.secure || (!c.secure && hsts != "") {
			t.Errorf("%s: HSTS %q, want it %v", c.name, hsts, c.secure)
		}
		if client != c.client {
			t.Errorf("%s: client %q, want %q", c.name, client, c.client)
		}
	}
}

func TestRetryAfterRoundsUp(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Second: "1", 1500 * time.Millisecond: "2",
		time.Millisecond: "1", 15 * time.Minute: "900"} {
		w := httptest.NewRecorder()
		SetRetryAfter(w, d)
		if got := w.Header().Get("Retry-After"); got != want {
			t.Errorf("%v: Retry-After %q, want %q", d, got, want)
		}
	}
}
