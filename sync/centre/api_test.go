package centre

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// request does one HTTP request against the test centre and decodes a
// JSON answer into out (when not nil).
func (c *testCentre) request(method, path string, auth func(*http.Request), body io.Reader, out any) *http.Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.http.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json") // a CSV import overrides it in auth
	}
	if auth != nil {
		auth(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			c.t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
	return resp
}

func basic(name, password string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(name, password) }
}

func bearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// seedTransactions syncs records of two pharmacies, one of them flagged.
func seedTransactions(t *testing.T, c *testCentre) {
	t.Helper()
	c.accounts(map[string]int64{"1001": 10000, "1002": 10000})
	day1 := time.Date(2025, 3, 3, 10, 0, 0, 0, time.Local)
	day2 := day1.AddDate(0, 0, 1)
	ch1, ch2 := &chain{terminal: "T1"}, &chain{terminal: "T2"}
	ch1.charge(t, "1001", 500, day1)
	ch1.charge(t, "1001", 600, day2)
	flagged := wire.Record{Terminal: "T2", Kind: wire.KindCharge, TxnID: "T2-1", At: day1.Add(time.Hour),
		CardNo: "1002", Cashier: "c9", Total: 700, Account: 700,
		Reasons: []policy.Reason{{Code: policy.PriceAboveCap, Severity: policy.Review, Message: "price", MessageZh: "价格"}}}
	ch2.add(t, flagged)
	ch2.add(t, wire.Record{Terminal: "T2", Kind: wire.KindQuote, At: day2, CardNo: "1002", Total: 50})
	for _, ch := range []*chain{ch1, ch2} {
		if _, err := c.st.Apply(context.Background(), ch.terminal, ch.entries, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSupervisorAPIFiltersTransactions(t *testing.T) {
	c := newTestCentre(t)
	c.enrol("T1", "P1")
	c.enrol("T2", "P2")
	if err := AddUser(context.Background(), c.st, "sup", store.RoleSupervisor, "sup-password"); err != nil {
		t.Fatal(err)
	}
	seedTransactions(t, c)
	sup := basic("sup", "sup-password")
	cases := []struct {
		query string
		want  []string // txn ids or kinds, newest first
	}{
		{"", []string{"quote", "T1-2", "T2-1", "T1-1"}},
		{"pharmacy=P1", []string{"T1-2", "T1-1"}},
		{"terminal=T2", []string{"quote", "T2-1"}},
		{"card_no=1001", []string{"T1-2", "T1-1"}},
		{"flagged=1", []string{"T2-1"}},
		{"kind=charge&from=2025-03-04", []string{"T1-2"}},
		{"to=2025-03-03", []string{"T2-1", "T1-1"}},
		{"from=" + url.QueryEscape(time.Date(2025, 3, 3, 10, 30, 0, 0, time.Local).Format(time.RFC3339)) + "&to=2025-03-03", []string{"T2-1"}},
		{"limit=1", []string{"quote"}},
	}
	for _, tc := range cases {
		var out struct {
			Transactions []map[string]any `json:"transactions"`
		}
		resp := c.request("GET", "/api/transactions?"+tc.query, sup, nil, &out)
		if resp.StatusCode != 200 {
			t.Fatalf("%q: status %d", tc.query, resp.StatusCode)
		}
		var got []string
		for _, tx := range out.Transactions {
			id, _ := tx["txn_id"].(string)
			if id == "" {
				id, _ = tx["kind"].(string)
			}
			got = append(got, id)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%q: got %v, want %v", tc.query, got, tc.want)
		}
	}
	// SPEC §7a field names, and lists rather than nulls.
	var out struct {
		Transactions []map[string]json.RawMessage `json:"transactions"`
	}
	c.request("GET", "/api/transactions?card_no=1001&limit=1", sup, nil, &out)
	for _, f := range []string{"terminal", "pharmacy", "seq", "txn_id", "kind", "at", "received_at", "card_no",
		"cashier", "total", "account", "cash", "reasons", "flags", "settled"} {
		if _, ok := out.Transactions[0][f]; !ok {
			t.Errorf("transaction lacks field %q", f)
		}
	}
	if string(out.Transactions[0]["flags"]) != "[]" || string(out.Transactions[0]["reasons"]) != "[]" {
		t.Errorf("empty flags/reasons encoded as %s/%s, want []", out.Transactions[0]["flags"], out.Transactions[0]["reasons"])
	}
}

func TestSupervisorAPIRefusesBadParameters(t *testing.T) {
	c := newTestCentre(t)
	if err := AddUser(context.Background(), c.st, "sup", store.RoleSupervisor, "sup-password"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"flagged=yes", "from=03/03/2025", "to=2025-13-01", "limit=0", "limit=x",
		"kind=sale", "falgged=1", "card_no=12%2034", "from=2025-03-05&to=2025-03-04", "terminal=a&terminal=b"} {
		var e APIError
		resp := c.request("GET", "/api/transactions?"+q, basic("sup", "sup-password"), nil, &e)
		if resp.StatusCode != 400 || e.Code != codeBadParam || e.Message == "" || e.MessageZh == "" {
			t.Errorf("%q: status %d body %+v, want 400 %s with both messages", q, resp.StatusCode, e, codeBadParam)
		}
	}
}

func TestSupervisorAPIAuthentication(t *testing.T) {
	c := newTestCentre(t)
	ctx := context.Background()
	if err := AddUser(ctx, c.st, "sup", store.RoleSupervisor, "sup-password"); err != nil {
		t.Fatal(err)
	}
	if err := AddUser(ctx, c.st, "adm", store.RoleAdmin, "adm-password"); err != nil {
		t.Fatal(err)
	}
	for name, auth := range map[string]func(*http.Request){
		"none": nil, "wrong password": basic("sup", "nope-nope"), "unknown user": basic("who", "sup-password"),
		"bearer instead of basic": bearer("sup-password"),
	} {
		resp := c.request("GET", "/api/terminals", auth, nil, nil)
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `Basic realm="posagent centre"`) {
			t.Errorf("%s: status %d, WWW-Authenticate %q; want 401 with the Basic challenge", name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
	body, _ := json.Marshal(PublishRequest{CatalogueCSV: testCatalogue, RulesJSON: testRules})
	if resp := c.request("POST", "/api/publish", basic("sup", "sup-password"), bytes.NewReader(body), nil); resp.StatusCode != 403 {
		t.Fatalf("supervisor publish: status %d, want 403", resp.StatusCode)
	}
	if _, err := c.st.LatestSigned(ctx, wire.KindBundle); err == nil {
		t.Fatal("a supervisor's publish stored a bundle")
	}
	var v VersionResponse
	if resp := c.request("POST", "/api/publish", basic("adm", "adm-password"), bytes.NewReader(body), &v); resp.StatusCode != 200 || v.Version != 1 {
		t.Fatalf("admin publish: status %d version %d, want 200 and 1", resp.StatusCode, v.Version)
	}
	if resp := c.request("GET", "/api/transactions", basic("adm", "adm-password"), nil, nil); resp.StatusCode != 200 {
		t.Fatalf("admin read: status %d", resp.StatusCode)
	}
	// A changed password stops the old one at once, remembered or not.
	if resp := c.request("GET", "/api/terminals", basic("sup", "sup-password"), nil, nil); resp.StatusCode != 200 {
		t.Fatalf("supervisor read: %d", resp.StatusCode)
	}
	if err := AddUser(ctx, c.st, "sup", store.RoleSupervisor, "new-password"); err != nil {
		t.Fatal(err)
	}
	if resp := c.request("GET", "/api/terminals", basic("sup", "sup-password"), nil, nil); resp.StatusCode != 401 {
		t.Fatalf("old password after a change: %d, want 401", resp.StatusCode)
	}
	if resp := c.request("GET", "/api/terminals", basic("sup", "new-password"), nil, nil); resp.StatusCode != 200 {
		t.Fatalf("new password: %d", resp.StatusCode)
	}
	if resp := c.request("GET", "/healthz", nil, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
}

func TestSupervisorAPITerminalsAndAccounts(t *testing.T) {
	c := newTestCentre(t)
	tok := c.enrol("T1", "P1")
	c.enrol("T2", "P2")
	if err := AddUser(context.Background(), c.st, "sup", store.RoleSupervisor, "sup-password"); err != nil {
		t.Fatal(err)
	}
	seedTransactions(t, c)
	a := c.connect("T1", tok)
	a.hello(2, 0, 0)
	sup := basic("sup", "sup-password")

	var ts struct {
		Terminals []map[string]any `json:"terminals"`
	}
	c.request("GET", "/api/terminals", sup, nil, &ts)
	if len(ts.Terminals) != 2 {
		t.Fatalf("terminals %+v", ts)
	}
	for _, term := range ts.Terminals {
		wantConnected := term["id"] == "T1"
		if term["connected"] != wantConnected || term["acked_seq"] != float64(2) || term["token_hash"] != nil {
			t.Errorf("terminal %+v: want connected=%v, acked_seq 2, no token hash", term, wantConnected)
		}
	}
	if ts.Terminals[0]["pharmacy"] != "P1" {
		t.Errorf("T1 pharmacy %v", ts.Terminals[0]["pharmacy"])
	}

	var info wire.AccountInfo
	if resp := c.request("GET", "/api/accounts/1001", sup, nil, &info); resp.StatusCode != 200 || !info.Found || info.Holder.Balance != 10000-1100 {
		t.Fatalf("account: %d %+v", resp.StatusCode, info)
	}
	var e APIError
	if resp := c.request("GET", "/api/accounts/424242", sup, nil, &e); resp.StatusCode != 404 || e.Code != codeNotFound {
		t.Fatalf("unknown account: %d %+v", resp.StatusCode, e)
	}
}

func TestAdminAPI(t *testing.T) {
	c := newTestCentre(t)
	adm := bearer(c.token)
	post := func(path string, auth func(*http.Request), body string, out any) *http.Response {
		return c.request("POST", path, auth, strings.NewReader(body), out)
	}
	for name, auth := range map[string]func(*http.Request){"none": nil, "wrong": bearer(c.token + "x"), "basic": basic("x", c.token)} {
		if resp := post("/admin/enrol", auth, `{"terminal":"T1","pharmacy":"P1"}`, nil); resp.StatusCode != 401 {
			t.Fatalf("%s admin token: status %d, want 401", name, resp.StatusCode)
		}
	}
	if _, err := c.st.Terminal(context.Background(), "T1"); err == nil {
		t.Fatal("an unauthorised enrol stored the terminal")
	}

	var enr EnrolResponse
	if resp := post("/admin/enrol", adm, `{"terminal":"T1","pharmacy":"P1"}`, &enr); resp.StatusCode != 200 || enr.Token == "" {
		t.Fatalf("enrol: %d %+v", resp.StatusCode, enr)
	}
	a := c.connect("T1", enr.Token)
	a.hello(0, 0, 0)

	var imp ImportResponse
	csv := "card_no,person_id,name,balance,status,diseases,pharmacy\n1001,110101199003074514,张三,12345,active,E11;I10,P1\n"
	if resp := post("/admin/accounts/import", adm, csv, &imp); resp.StatusCode != 200 || imp.Imported != 1 || c.balance("1001") != 12345 {
		t.Fatalf("import: %d %+v", resp.StatusCode, imp)
	}
	var e APIError
	if resp := post("/admin/accounts/import", adm, "card_no,balance,status\n1001,12.5,active\n", &e); resp.StatusCode != 400 || e.Code != codeInvalidInput || !strings.Contains(e.Message, "row 2") {
		t.Fatalf("bad import: %d %+v", resp.StatusCode, e)
	}
	if resp := post("/admin/users", adm, `{"name":"sup","role":"supervisor","password":"sup-password"}`, nil); resp.StatusCode != 200 {
		t.Fatalf("add user: %d", resp.StatusCode)
	}
	if resp := post("/admin/users", adm, `{"name":"boss","role":"owner","password":"sup-password"}`, &e); resp.StatusCode != 400 {
		t.Fatalf("bad role: %d %+v", resp.StatusCode, e)
	}
	if resp := post("/admin/users", adm, `{"name":"x","role":"admin","password":"longenough","extra":1}`, &e); resp.StatusCode != 400 || e.Code != codeBadRequest {
		t.Fatalf("unknown field: %d %+v", resp.StatusCode, e)
	}
	body, _ := json.Marshal(PublishRequest{CatalogueCSV: testCatalogue, RulesJSON: testRules})
	var v VersionResponse
	if resp := post("/admin/publish", adm, string(body), &v); resp.StatusCode != 200 || v.Version != 1 {
		t.Fatalf("publish: %d %+v", resp.StatusCode, v)
	}
	a.expect(wire.TypeBundle)
	if resp := post("/admin/block", adm, `{"add":["1001"]}`, &v); resp.StatusCode != 200 || v.Version != 1 {
		t.Fatalf("block: %d %+v", resp.StatusCode, v)
	}
	a.expect(wire.TypeBlocklist)

	// Re-enrolling drops the connection made with the old token.
	post("/admin/enrol", adm, `{"terminal":"T1","pharmacy":"P1"}`, &enr)
	a.expectClosed()
	ws, _, err := c.dial("T1", enr.Token)
	if err != nil {
		t.Fatalf("new token refused: %v", err)
	}
	ws.Close()
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:5": true, "[::1]:80": true, "10.0.0.2:80": false, "192.168.1.9:1": false, "junk": false} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
