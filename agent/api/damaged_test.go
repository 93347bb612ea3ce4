package api_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/agent/api"
)

// TestDamagedJournalServesStatusRefusesSales: after a failed journal.Verify
// the terminal still answers /v1/status and /healthz (503, with the reason)
// but refuses charges and voids with JOURNAL_DAMAGED in both languages.
func TestDamagedJournalServesStatusRefusesSales(t *testing.T) {
	a := agenttest.NewAgent(t, agenttest.AgentOptions{NoBundle: true})
	a.Agent.SetJournalFault(errors.New("CHAIN_BROKEN at seq 3"))
	h, err := api.New(a.Agent, token, agenttest.Quiet())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := &api.Client{Base: srv.URL, Token: token}

	st, err := c.Status(t.Context())
	if err != nil || !strings.Contains(st.Journal.Damaged, "CHAIN_BROKEN") {
		t.Fatalf("status %+v, %v", st.Journal, err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/healthz", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var hl agent.Health
	_ = json.NewDecoder(resp.Body).Decode(&hl)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || hl.Status != agent.HealthFailing || !strings.Contains(hl.Journal.Error, "CHAIN_BROKEN") {
		t.Fatalf("healthz HTTP %d %+v", resp.StatusCode, hl)
	}
	for _, path := range []string{"/v1/charge", "/v1/void"} {
		body := `{"quote_id":"q","idempotency_key":"k"}`
		if path == "/v1/void" {
			body = `{"txn_id":"T1-x","reason":"r","cashier":"C1"}`
		}
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e agent.Error
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || e.Code != agent.CodeJournalDamaged || e.Message == "" || e.MessageZh == "" {
			t.Errorf("%s: HTTP %d %+v", path, resp.StatusCode, e)
		}
	}
}
