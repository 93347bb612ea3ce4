package cashier

import (
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/journal"
	"posagent/reader"
	"posagent/sync/wire"
)

const testToken = "test-pos-api-token-0001"

// world is a real agent (journal in a temp dir, the sample bundle signed
// with a fresh key, no centre) behind the cashier page on a loopback
// server.
type world struct {
	t     *testing.T
	agent *agent.Agent
	j     *journal.Journal
	page  *Handler
	srv   *httptest.Server
	now   time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 10, 10, 0, 0, 0, loc)
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"), journal.Options{Terminal: "T001"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := agent.New(agent.Config{Terminal: "T001", Journal: j, CentreKey: pub, Location: loc,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	offerSampleBundle(t, a, priv, now)
	page, err := New(Config{Agent: a, Token: testToken, Context: t.Context()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(page)
	t.Cleanup(srv.Close)
	return &world{t: t, agent: a, j: j, page: page, srv: srv, now: now}
}

func offerSampleBundle(t *testing.T, a *agent.Agent, priv ed25519.PrivateKey, now time.Time) {
	t.Helper()
	cat, err := os.ReadFile(filepath.Join("..", "..", "testdata", "catalogue.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := os.ReadFile(filepath.Join("..", "..", "testdata", "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	content := wire.BundleContent{Kind: wire.KindBundle, Version: 1, IssuedAt: now, Catalogue: string(cat), Rules: rules}
	s, err := wire.Sign(priv, wire.KindBundle, 1, now, content)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.OfferSigned(s); err != nil {
		t.Fatal(err)
	}
}

// insertCard puts 张三's IC card in the reader.
func (w *world) insertCard() {
	w.agent.HandleReaderEvent(reader.Event{Type: "card", At: w.now, Card: &reader.Card{
		CardNo: "A00000001", Name: "张三", Sex: "M", Birth: "1960-03-15", Region: "110105",
		Expiry: "2030-01-14", Source: "frame", ReadAt: w.now, PersonID: "110105196003150013",
	}})
}

// client is a browser: it keeps cookies, and it is logged in unless
// loggedOut is asked for.
func (w *world) client(loggedIn bool) *http.Client {
	w.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if loggedIn {
		res, err := c.Get(w.srv.URL + "/cashier/login?token=" + testToken)
		if err != nil {
			w.t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			w.t.Fatalf("login: status %d, want 303", res.StatusCode)
		}
	}
	return c
}

// call sends a request and decodes the JSON answer into out (if not nil).
// header "X-Cashier: 1" is set on POST unless noHeader.
func (w *world) call(c *http.Client, method, path string, body any, out any, noHeader bool) int {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			w.t.Fatal(err)
		}
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, w.srv.URL+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if method == http.MethodPost && !noHeader {
		req.Header.Set(csrfHeader, "1")
	}
	res, err := c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			w.t.Fatalf("%s %s: answer %q is not JSON: %v", method, path, raw, err)
		}
	}
	return res.StatusCode
}

// apiError is the error shape of the page's endpoints.
type apiError struct {
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	MessageZh string         `json:"message_zh"`
	Detail    map[string]any `json:"detail"`
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}
