package cashier_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/agent/cashier"
	"posagent/internal/demo"
	"posagent/policy"
)

// browser is an HTTP client that keeps cookies, as the page's browser does.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (b *browser) send(method, path string, body, out any) int {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("X-Cashier", "1")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			b.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return res.StatusCode
}

// TestDaemonServesTheCashierPageBesideThePOSAPI runs a whole demo world
// (centre, pty reader, agent) and sells through the page's endpoints on the
// agent's own address, without a browser.
func TestDaemonServesTheCashierPageBesideThePOSAPI(t *testing.T) {
	ctx := t.Context()
	env, err := demo.Start(ctx, demo.Options{Dir: t.TempDir(), Clock: demo.ClockAt(agenttest.Shanghai, 10), Logger: agenttest.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	if err := env.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: "http://" + env.Agent.Addr(), c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}

	// The POS API still answers beside the page, and still wants its token.
	if _, err := env.POS.Status(ctx); err != nil {
		t.Fatalf("POS API beside the page: %v", err)
	}
	if st := b.send("GET", "/v1/status", nil, nil); st != http.StatusUnauthorized {
		t.Errorf("POS API without the token: %d, want 401", st)
	}
	// The session cookie does not open the POS API.
	if st := b.send("GET", "/cashier/login?token="+demo.APIToken, nil, nil); st != http.StatusOK {
		t.Fatalf("login (following the redirect to the page): %d", st)
	}
	if st := b.send("GET", "/v1/status", nil, nil); st != http.StatusUnauthorized {
		t.Errorf("POS API with only the page's cookie: %d, want 401", st)
	}

	card, err := env.Card("zhang-san")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Swipe(ctx, card); err != nil {
		t.Fatal(err)
	}
	form := cashier.QuoteForm{Cashier: "C02", Lines: []cashier.LineForm{
		{Barcode: "6901234500011", Qty: "1", Price: "23.80", RxID: "RX-1"},
		{Barcode: "6901234500134", Qty: "3", Price: "79"},
	}}
	var q cashier.QuoteView
	if st := b.send("POST", "/cashier/api/quote", form, &q); st != http.StatusOK {
		t.Fatalf("quote: %d", st)
	}
	if q.AccountTotal.Text != "¥213.40" || len(q.Required) != 1 || q.Required[0].Code != policy.IDCheckRequired || q.Required[0].LabelZh != "已核对身份证件" {
		t.Fatalf("quote: account %s, required %+v", q.AccountTotal.Text, q.Required)
	}
	var refused struct {
		Code      string         `json:"code"`
		MessageZh string         `json:"message_zh"`
		Detail    map[string]any `json:"detail"`
	}
	if st := b.send("POST", "/cashier/api/charge", cashier.ChargeForm{QuoteID: q.QuoteID}, &refused); st != http.StatusConflict || refused.Code != agent.CodeConfirmRequired {
		t.Fatalf("unconfirmed charge: %d %+v", st, refused)
	}
	var r cashier.ReceiptView
	if st := b.send("POST", "/cashier/api/charge", cashier.ChargeForm{QuoteID: q.QuoteID, Confirm: []policy.Code{policy.IDCheckRequired}}, &r); st != http.StatusOK {
		t.Fatalf("confirmed charge: %d", st)
	}
	if r.Settled != agent.SettledCentre || r.AccountPaid.Fen != 21340 || r.BalanceAfter.Fen != q.Balance.Fen-21340 || !strings.HasPrefix(r.TxnID, "T001-") {
		t.Errorf("receipt %+v (quote balance %d)", r, q.Balance.Fen)
	}
	// The POS API sees the page's sale in the journal, with the cashier.
	txns, err := env.POS.Transactions(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, x := range txns {
		found = found || x.TxnID == r.TxnID && x.Kind == "charge" && x.Cashier == "C02" && x.Account == 21340
	}
	if !found {
		t.Errorf("charge %s not in the POS API's transactions: %+v", r.TxnID, txns)
	}
}
