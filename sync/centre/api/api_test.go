package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/api"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

func TestSupervisorAPIFiltersTransactions(t *testing.T) {
	c := centretest.Start(t)
	c.AddUser("sup", store.RoleSupervisor, "sup-password")
	c.SeedTransactions()
	sup := centretest.Basic("sup", "sup-password")
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
		{"from=" + url.QueryEscape(time.Date(2025, 3, 3, 10, 30, 0, 0, c.Location()).Format(time.RFC3339)) + "&to=2025-03-03", []string{"T2-1"}},
		{"limit=1", []string{"quote"}},
		{"cashier=c9", []string{"T2-1"}},
		{"code=PRICE_ABOVE_CAP", []string{"T2-1"}},
		{"code=PRICE_ABOVE_CAP&pharmacy=P1", nil},
		{"min_account=600", []string{"T1-2", "T2-1"}},
		{"max_account=550", []string{"quote", "T1-1"}},
		{"min_account=550&max_account=650&flagged=0", []string{"T1-2"}},
	}
	for _, tc := range cases {
		var out struct {
			Transactions []map[string]any `json:"transactions"`
		}
		resp := c.Request("GET", "/api/transactions?"+tc.query, sup, nil, &out)
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
	c.Request("GET", "/api/transactions?card_no=1001&limit=1", sup, nil, &out)
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
	c := centretest.Start(t)
	c.AddUser("sup", store.RoleSupervisor, "sup-password")
	for _, q := range []string{"flagged=yes", "from=03/03/2025", "to=2025-13-01", "limit=0", "limit=x",
		"kind=sale", "falgged=1", "card_no=12%2034", "from=2025-03-05&to=2025-03-04", "terminal=a&terminal=b",
		"min_account=-1", "max_account=x", "max_account=1e3", "code=split", "cashier=" + strings.Repeat("名", 65), "cashier=a%00b",
		"min_account=700&max_account=600"} {
		var e web.ErrorBody
		resp := c.Request("GET", "/api/transactions?"+q, centretest.Basic("sup", "sup-password"), nil, &e)
		if resp.StatusCode != 400 || e.Code != centre.CodeBadParam || e.Message == "" || e.MessageZh == "" {
			t.Errorf("%q: status %d body %+v, want 400 %s with both messages", q, resp.StatusCode, e, centre.CodeBadParam)
		}
	}
}

func TestSupervisorAPIAuthentication(t *testing.T) {
	c := centretest.Start(t)
	ctx := context.Background()
	c.AddUser("sup", store.RoleSupervisor, "sup-password")
	c.AddUser("adm", store.RoleAdmin, "adm-password")
	for name, auth := range map[string]func(*http.Request){
		"none": nil, "wrong password": centretest.Basic("sup", "nope-nope"), "unknown user": centretest.Basic("who", "sup-password"),
		"bearer instead of basic": centretest.Bearer("sup-password"),
	} {
		resp := c.Request("GET", "/api/terminals", auth, nil, nil)
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `Basic realm="posagent centre"`) {
			t.Errorf("%s: status %d, WWW-Authenticate %q; want 401 with the Basic challenge", name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
	body, _ := json.Marshal(api.PublishRequest{CatalogueCSV: centretest.Catalogue, RulesJSON: centretest.Rules})
	if resp := c.Request("POST", "/api/publish", centretest.Basic("sup", "sup-password"), bytes.NewReader(body), nil); resp.StatusCode != 403 {
		t.Fatalf("supervisor publish: status %d, want 403", resp.StatusCode)
	}
	if _, err := c.Store().LatestSigned(ctx, wire.KindBundle); err == nil {
		t.Fatal("a supervisor's publish stored a bundle")
	}
	var v api.VersionResponse
	if resp := c.Request("POST", "/api/publish", centretest.Basic("adm", "adm-password"), bytes.NewReader(body), &v); resp.StatusCode != 200 || v.Version != 1 {
		t.Fatalf("admin publish: status %d version %d, want 200 and 1", resp.StatusCode, v.Version)
	}
	if resp := c.Request("GET", "/api/transactions", centretest.Basic("adm", "adm-password"), nil, nil); resp.StatusCode != 200 {
		t.Fatalf("admin read: status %d", resp.StatusCode)
	}
	// A changed password stops the old one at once, remembered or not.
	if resp := c.Request("GET", "/api/terminals", centretest.Basic("sup", "sup-password"), nil, nil); resp.StatusCode != 200 {
		t.Fatalf("supervisor read: %d", resp.StatusCode)
	}
	c.AddUser("sup", store.RoleSupervisor, "new-password")
	if resp := c.Request("GET", "/api/terminals", centretest.Basic("sup", "sup-password"), nil, nil); resp.StatusCode != 401 {
		t.Fatalf("old password after a change: %d, want 401", resp.StatusCode)
	}
	if resp := c.Request("GET", "/api/terminals", centretest.Basic("sup", "new-password"), nil, nil); resp.StatusCode != 200 {
		t.Fatalf("new password: %d", resp.StatusCode)
	}
	if resp := c.Request("GET", "/healthz", nil, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
}

func TestSupervisorAPITerminalsAndAccounts(t *testing.T) {
	c := centretest.Start(t)
	c.AddUser("sup", store.RoleSupervisor, "sup-password")
	tokens := c.SeedTransactions()
	a := c.Connect("T1", tokens["T1"])
	a.Hello(2, 0, 0)
	sup := centretest.Basic("sup", "sup-password")

	var ts struct {
		Terminals []map[string]any `json:"terminals"`
	}
	c.Request("GET", "/api/terminals", sup, nil, &ts)
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
	if resp := c.Request("GET", "/api/accounts/1001", sup, nil, &info); resp.StatusCode != 200 || !info.Found || info.Holder.Balance != 10000-1100 {
		t.Fatalf("account: %d %+v", resp.StatusCode, info)
	}
	var e web.ErrorBody
	if resp := c.Request("GET", "/api/accounts/424242", sup, nil, &e); resp.StatusCode != 404 || e.Code != centre.CodeNotFound {
		t.Fatalf("unknown account: %d %+v", resp.StatusCode, e)
	}
}

func TestAdminAPI(t *testing.T) {
	c := centretest.Start(t)
	adm := centretest.Bearer(c.Service.AdminToken())
	post := func(path string, auth func(*http.Request), body string, out any) *http.Response {
		return c.Request("POST", path, auth, strings.NewReader(body), out)
	}
	for name, auth := range map[string]func(*http.Request){"none": nil, "wrong": centretest.Bearer(c.Service.AdminToken() + "x"), "basic": centretest.Basic("x", c.Service.AdminToken())} {
		if resp := post("/admin/enrol", auth, `{"terminal":"T1","pharmacy":"P1"}`, nil); resp.StatusCode != 401 {
			t.Fatalf("%s admin token: status %d, want 401", name, resp.StatusCode)
		}
	}
	if _, err := c.Store().Terminal(context.Background(), "T1"); err == nil {
		t.Fatal("an unauthorised enrol stored the terminal")
	}

	var enr api.EnrolResponse
	if resp := post("/admin/enrol", adm, `{"terminal":"T1","pharmacy":"P1"}`, &enr); resp.StatusCode != 200 || enr.Token == "" {
		t.Fatalf("enrol: %d %+v", resp.StatusCode, enr)
	}
	a := c.Connect("T1", enr.Token)
	a.Hello(0, 0, 0)

	var imp api.ImportResponse
	csv := "card_no,person_id,name,balance,status,diseases,pharmacy\n1001,110101199003074514,张三,12345,active,E11;I10,P1\n"
	if resp := post("/admin/accounts/import", adm, csv, &imp); resp.StatusCode != 200 || imp.Imported != 1 || c.Balance("1001") != 12345 {
		t.Fatalf("import: %d %+v", resp.StatusCode, imp)
	}
	var e web.ErrorBody
	if resp := post("/admin/accounts/import", adm, "card_no,balance,status\n1001,12.5,active\n", &e); resp.StatusCode != 400 || e.Code != centre.CodeInvalidInput || !strings.Contains(e.Message, "row 2") {
		t.Fatalf("bad import: %d %+v", resp.StatusCode, e)
	}
	if resp := post("/admin/users", adm, `{"name":"sup","role":"supervisor","password":"sup-password"}`, nil); resp.StatusCode != 200 {
		t.Fatalf("add user: %d", resp.StatusCode)
	}
	if resp := post("/admin/users", adm, `{"name":"boss","role":"owner","password":"sup-password"}`, &e); resp.StatusCode != 400 {
		t.Fatalf("bad role: %d %+v", resp.StatusCode, e)
	}
	if resp := post("/admin/users", adm, `{"name":"x","role":"admin","password":"longenough","extra":1}`, &e); resp.StatusCode != 400 || e.Code != centre.CodeBadRequest {
		t.Fatalf("unknown field: %d %+v", resp.StatusCode, e)
	}
	body, _ := json.Marshal(api.PublishRequest{CatalogueCSV: centretest.Catalogue, RulesJSON: centretest.Rules})
	var v api.VersionResponse
	if resp := post("/admin/publish", adm, string(body), &v); resp.StatusCode != 200 || v.Version != 1 {
		t.Fatalf("publish: %d %+v", resp.StatusCode, v)
	}
	a.Expect(wire.TypeBundle)
	if resp := post("/admin/block", adm, `{"add":["1001"]}`, &v); resp.StatusCode != 200 || v.Version != 1 {
		t.Fatalf("block: %d %+v", resp.StatusCode, v)
	}
	a.Expect(wire.TypeBlocklist)

	// Re-enrolling drops the connection made with the old token.
	post("/admin/enrol", adm, `{"terminal":"T1","pharmacy":"P1"}`, &enr)
	a.ExpectClosed()
	ws, _, err := c.Dial("T1", enr.Token)
	if err != nil {
		t.Fatalf("new token refused: %v", err)
	}
	ws.Close()
}

func TestReconciliationsAPIRefusesBadParameters(t *testing.T) {
	c := centretest.Start(t)
	c.AddUser("sup", store.RoleSupervisor, "sup-password")
	for _, q := range []string{"mismatch=yes", "day=2025-3-3", "day=2025-02-30", "limit=0", "limit=x",
		"terminal=a&terminal=b", "terminal=T1&flagged=1"} {
		var e web.ErrorBody
		resp := c.Request("GET", "/api/reconciliations?"+q, centretest.Basic("sup", "sup-password"), nil, &e)
		if resp.StatusCode != 400 || e.Code != centre.CodeBadParam || e.Message == "" || e.MessageZh == "" {
			t.Errorf("%q: status %d body %+v, want 400 %s", q, resp.StatusCode, e, centre.CodeBadParam)
		}
	}
}
