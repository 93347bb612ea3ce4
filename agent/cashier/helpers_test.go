package cashier

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/agent/journal"
	"posagent/internal/clock"
	"posagent/reader"
)

const testToken = "test-pos-api-token-0001"

// world is a real agent (journal in a temp dir, the sample bundle signed
// with a fresh key, a fake clock at 10:00, no centre) behind the cashier
// page on a loopback server.
type world struct {
	t     *testing.T
	agent *agent.Agent
	j     *journal.Journal
	page  *Handler
	srv   *httptest.Server
	clock *clock.Fake
	now   time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	a := agenttest.NewAgent(t, agenttest.AgentOptions{})
	page, err := New(Config{Agent: a.Agent, Token: testToken, Logger: agenttest.Quiet(), Context: t.Context()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(page)
	t.Cleanup(srv.Close)
	return &world{t: t, agent: a.Agent, j: a.Journal, page: page, srv: srv, clock: a.Clock, now: a.Clock.Now()}
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
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
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
