package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"posagent/agent"
	"posagent/reader"
)

// Client calls the POS API, as a POS program would.
type Client struct {
	Base  string // http://127.0.0.1:7311
	Token string
	HTTP  *http.Client // nil: a client with a 30 s timeout
}

// APIError is an error answer of the POS API.
type APIError struct {
	Status    int            `json:"-"`
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	MessageZh string         `json:"message_zh"`
	Detail    map[string]any `json:"detail,omitempty"`
}

var _ error = (*APIError)(nil)

func (e *APIError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// Status calls GET /v1/status.
func (c *Client) Status(ctx context.Context) (agent.Status, error) {
	var st agent.Status
	return st, c.do(ctx, "GET", "/v1/status", nil, &st)
}

// Card calls GET /v1/card.
func (c *Client) Card(ctx context.Context) (reader.Card, error) {
	var card reader.Card
	return card, c.do(ctx, "GET", "/v1/card", nil, &card)
}

// Quote calls POST /v1/quote.
func (c *Client) Quote(ctx context.Context, req agent.QuoteRequest) (agent.Quote, error) {
	var q agent.Quote
	return q, c.do(ctx, "POST", "/v1/quote", req, &q)
}

// Charge calls POST /v1/charge.
func (c *Client) Charge(ctx context.Context, req agent.ChargeRequest) (agent.Charge, error) {
	var ch agent.Charge
	return ch, c.do(ctx, "POST", "/v1/charge", req, &ch)
}

// Void calls POST /v1/void.
func (c *Client) Void(ctx context.Context, req agent.VoidRequest) (agent.Void, error) {
	var v agent.Void
	return v, c.do(ctx, "POST", "/v1/void", req, &v)
}

// Transactions calls GET /v1/transactions for a day (YYYY-MM-DD, "" for
// today) and optionally one card.
func (c *Client) Transactions(ctx context.Context, day, cardNo string) ([]agent.Transaction, error) {
	q := url.Values{}
	if day != "" {
		q.Set("day", day)
	}
	if cardNo != "" {
		q.Set("card_no", cardNo)
	}
	var out struct {
		Transactions []agent.Transaction `json:"transactions"`
	}
	return out.Transactions, c.do(ctx, "GET", "/v1/transactions?"+q.Encode(), nil, &out)
}

// Health calls GET /healthz. A failing terminal answers 503: its Health
// is returned with an error saying what fails.
func (c *Client) Health(ctx context.Context) (agent.Health, error) {
	var h agent.Health
	status, raw, err := c.send(ctx, "GET", "/healthz", nil)
	if err != nil {
		return h, err
	}
	if status != http.StatusOK && status != http.StatusServiceUnavailable {
		return h, answerError("GET", "/healthz", status, raw)
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, fmt.Errorf("GET /healthz: decode answer: %w", err)
	}
	if status != http.StatusOK {
		return h, fmt.Errorf("GET /healthz: terminal %s is %s: %s", h.Terminal, h.Status, h.Journal.Error)
	}
	return h, nil
}

// Reconcile calls POST /v1/reconcile for a day (YYYY-MM-DD, "" for
// today).
func (c *Client) Reconcile(ctx context.Context, day string) (agent.DayReconciliation, error) {
	q := url.Values{}
	if day != "" {
		q.Set("day", day)
	}
	var out agent.DayReconciliation
	return out, c.do(ctx, "POST", "/v1/reconcile?"+q.Encode(), nil, &out)
}

// WaitCard polls GET /v1/card until a card with the number is in the
// reader, or ctx ends.
func (c *Client) WaitCard(ctx context.Context, cardNo string) (reader.Card, error) {
	for {
		card, err := c.Card(ctx)
		if err == nil && card.CardNo == cardNo {
			return card, nil
		}
		select {
		case <-ctx.Done():
			return reader.Card{}, fmt.Errorf("card %s never appeared in the reader (last: %v): %w", cardNo, err, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	status, raw, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return answerError(method, path, status, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// send makes one request with the token and returns the answer's status
// and body.
func (c *Client) send(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return resp.StatusCode, raw, nil
}

// answerError turns an error answer into an *APIError, or a plain error
// when the body is not one.
func answerError(method, path string, status int, raw []byte) error {
	e := &APIError{Status: status}
	if err := json.Unmarshal(raw, e); err != nil || e.Code == "" {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, status, raw)
	}
	return e
}
