package scenario

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"posagent/internal/demo"
	"posagent/sync/centre/api"
	"posagent/sync/centre/store"
)

// supervisorGet calls the centre's supervisor API as the demo supervisor
// and decodes the answer into out.
func supervisorGet(t *testing.T, e *demo.Env, path string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.CentreURL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(demo.SupervisorName, demo.SupervisorPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %s (%v)", path, resp.StatusCode, raw, err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, raw)
	}
}

// centreTerminal is the terminal as GET /api/terminals shows it.
func centreTerminal(t *testing.T, e *demo.Env, id string) api.TerminalStatus {
	t.Helper()
	var out struct {
		Terminals []api.TerminalStatus `json:"terminals"`
	}
	supervisorGet(t, e, "/api/terminals", &out)
	for _, ts := range out.Terminals {
		if ts.ID == id {
			return ts
		}
	}
	t.Fatalf("terminal %s not in GET /api/terminals: %+v", id, out.Terminals)
	return api.TerminalStatus{}
}

// centreTxns lists a terminal's synced records through the supervisor
// API, newest first; flagged keeps only those supervisors must review.
func centreTxns(t *testing.T, e *demo.Env, terminal string, flagged bool) []store.Txn {
	t.Helper()
	q := url.Values{"terminal": {terminal}}
	if flagged {
		q.Set("flagged", "1")
	}
	var out struct {
		Transactions []store.Txn `json:"transactions"`
	}
	supervisorGet(t, e, "/api/transactions?"+q.Encode(), &out)
	return out.Transactions
}

// bySeq indexes txns by seq.
func bySeq(txns []store.Txn) map[uint64]store.Txn {
	m := make(map[uint64]store.Txn, len(txns))
	for _, x := range txns {
		m[x.Seq] = x
	}
	return m
}

// balance is a card's balance at the centre.
func balance(t *testing.T, e *demo.Env, card string) int64 {
	t.Helper()
	h, err := e.Centre.Store().Account(context.Background(), card)
	if err != nil {
		t.Fatalf("centre account %s: %v", card, err)
	}
	return h.Balance
}

// restartCentre stops the centre (an outage) and starts it again on its
// address, over the same data.
func restartCentre(t *testing.T, e *demo.Env) {
	t.Helper()
	if err := e.StopCentre(); err != nil {
		t.Fatalf("stop centre: %v", err)
	}
	if err := e.RestartCentre(context.Background()); err != nil {
		t.Fatalf("restart centre: %v", err)
	}
}

// sampleFile reads a file of the sample data (testdata/).
func sampleFile(t testing.TB, name string) []byte {
	t.Helper()
	td, err := demo.FindTestdata()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(td, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rulesWith is the sample rules JSON with some keys changed.
func rulesWith(t testing.TB, changes map[string]any) []byte {
	t.Helper()
	var rules map[string]any
	if err := json.Unmarshal(sampleFile(t, "rules.json"), &rules); err != nil {
		t.Fatal(err)
	}
	for k, v := range changes {
		rules[k] = v
	}
	b, err := json.Marshal(rules)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
