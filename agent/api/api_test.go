package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/agent/api"
)

const token = "api-test-token-0123456789"

// server is the POS API of an agent with no centre, no reader and no
// bundle, over a real journal file.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	a := agenttest.NewAgent(t, agenttest.AgentOptions{NoBundle: true})
	h, err := api.New(a.Agent, token, agenttest.Quiet())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestEveryErrorIsJSONInBothLanguages(t *testing.T) {
	srv := server(t)
	cases := []struct {
		method, path, token, body string
		status                    int
		code                      string
	}{
		{"GET", "/v1/status", "", "", 401, agent.CodeUnauthorized},
		{"GET", "/v1/status", "Bearer " + token + "x", "", 401, agent.CodeUnauthorized},
		{"GET", "/v1/nothing-here", "Bearer " + token, "", 404, agent.CodeNotFound},
		{"GET", "/v1/charge", "Bearer " + token, "", 405, agent.CodeMethod},
		{"DELETE", "/v1/status", "Bearer " + token, "", 405, agent.CodeMethod},
		{"GET", "/v1/card", "Bearer " + token, "", 409, agent.CodeNoCard},
		{"POST", "/v1/quote", "Bearer " + token, `{"cashier":"C1","lines":[{"code":"D0001","qty":1,"unit_price":100}]}`, 409, agent.CodeNoCard},
		{"POST", "/v1/void", "Bearer " + token, `{"txn_id":"T1-x","reason":"r","cashier":"C1"}`, 404, agent.CodeTxnNotFound},
		{"GET", "/v1/transactions?day=23-11-2026", "Bearer " + token, "", 400, agent.CodeBadRequest},
		{"GET", "/metrics", "", "", 401, agent.CodeUnauthorized},
		{"POST", "/v1/charge", "Bearer " + token, `{"quote_id":"q","idempotency_key":"k","confirm":["<<<<<<<<"]}`, 400, agent.CodeBadRequest},
		{"POST", "/v1/charge", "Bearer " + token, `{"quote_id":"q-none","idempotency_key":"k"}`, 404, agent.CodeQuoteNotFound},
		{"POST", "/v1/reconcile?day=2025-03-09", "Bearer " + token, "", 503, agent.CodeCentreOffline},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		if c.token != "" {
			req.Header.Set("Authorization", c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e agent.Error
		decErr := json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != c.status || decErr != nil || e.Code != c.code || e.Message == "" || e.MessageZh == "" {
			t.Errorf("%s %s: HTTP %d %+v (%v), want %d %s with both messages", c.method, c.path, resp.StatusCode, e, decErr, c.status, c.code)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s %s: Content-Type %q", c.method, c.path, ct)
		}
	}
}

func TestStatusWithoutCentreOrRules(t *testing.T) {
	srv := server(t)
	c := &api.Client{Base: srv.URL, Token: token}
	st, err := c.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Terminal != agenttest.Terminal || st.Rules.Version != 0 || st.Centre.Connected || st.Centre.LastError == "" || st.Reader.State != "none" {
		t.Fatalf("status %+v", st)
	}
}

func TestEveryAgentCodeHasAnHTTPStatus(t *testing.T) {
	for _, c := range []struct {
		code   string
		status int
	}{
		{agent.CodeBadRequest, 400}, {agent.CodeNoCard, 409}, {agent.CodeNoRules, 503},
		{agent.CodeJournalFailed, 507}, {agent.CodeStopping, 503}, {agent.CodeReconBacklog, 409},
		{"NO_SUCH_CODE", 500},
	} {
		if got := api.Status(c.code); got != c.status {
			t.Errorf("Status(%s) = %d, want %d", c.code, got, c.status)
		}
		// The API's 5xx are the agent's terminal faults, and only they.
		if e := agent.NewError(c.code); c.code != "NO_SUCH_CODE" && e.TerminalFault() != (c.status >= 500) {
			t.Errorf("%s: TerminalFault %v with HTTP %d", c.code, e.TerminalFault(), c.status)
		}
	}
}
