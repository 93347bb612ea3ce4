package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"posagent/sync/centre/store"
)

// Supervise calls GET path?query on the centre's supervisor API as the
// demo's supervisor (HTTP Basic) and decodes the JSON answer into out.
func (e *Env) Supervise(ctx context.Context, path, query string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", e.CentreURL()+path+"?"+query, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(SupervisorName, SupervisorPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("supervisor API: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("supervisor API %s: HTTP %d: %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("supervisor API %s: %w", path, err)
	}
	return nil
}

// Transactions lists GET /api/transactions?query as a supervisor sees it.
func (e *Env) Transactions(ctx context.Context, query string) ([]store.Txn, error) {
	var out struct {
		Transactions []store.Txn `json:"transactions"`
	}
	err := e.Supervise(ctx, "/api/transactions", query, &out)
	return out.Transactions, err
}

// Reconciliations lists GET /api/reconciliations?query.
func (e *Env) Reconciliations(ctx context.Context, query string) ([]store.Reconciliation, error) {
	var out struct {
		Reconciliations []store.Reconciliation `json:"reconciliations"`
	}
	err := e.Supervise(ctx, "/api/reconciliations", query, &out)
	return out.Reconciliations, err
}
