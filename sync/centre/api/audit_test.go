package api_test

import (
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/api"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
)

// auditEvents is GET /api/audit?query as sup.
func auditEvents(t *testing.T, c *centretest.Centre, query string) []store.AuditEvent {
	t.Helper()
	var body struct{ Events []store.AuditEvent }
	resp := c.Request("GET", "/api/audit?"+query, centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword), nil, &body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/audit?%s: status %d", query, resp.StatusCode)
	}
	return body.Events
}

func summary(evs []store.AuditEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Actor+" "+e.Action+" "+e.Subject+" "+e.Detail)
	}
	return out
}

func getCSV(t *testing.T, c *centretest.Centre, path string) [][]string {
	t.Helper()
	req, _ := http.NewRequest("GET", c.URL()+path, nil)
	centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword)(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: status %d %s", path, resp.StatusCode, b)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// Reads of personal data and exports are audited as the supervisor who
// made them, with their filter; a refused request and a settlement read
// on screen are not.
func TestPersonalReadsAndExportsAreAudited(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	c.SeedTransactions()
	sup := centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword)
	for _, path := range []string{
		"/api/transactions?pharmacy=P1",
		"/api/accounts/1001",
		"/api/lookups?terminal=T1",
		"/api/transactions?pharmacy=P1&bogus=1",     // refused: not audited
		"/api/settlement?pharmacy=P1&month=2025-03", // no personal data
	} {
		c.Request("GET", path, sup, nil, nil)
	}
	getCSV(t, c, "/api/settlement?pharmacy=P1&month=2025-03&format=csv")
	got := summary(auditEvents(t, c, "actor=sup"))
	want := []string{
		"sup export settlement pharmacy=P1&month=2025-03&format=csv",
		"sup read_personal lookups terminal=T1",
		"sup read_personal account 1001 ",
		"sup read_personal transactions pharmacy=P1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The audit log lists newest first with filters and pages, exports as CSV
// (which is audited after the listing), and its chain verifies.
func TestAuditLogListExportAndVerify(t *testing.T) {
	c := centretest.Start(t)
	c.Users() // two user_add events by system
	adm := centretest.Basic(centretest.AdminName, centretest.AdminPassword)
	for range 3 {
		c.Request("GET", "/api/accounts/1001", adm, nil, nil) // 404: not audited
		c.Request("GET", "/api/transactions", adm, nil, nil)
	}
	all := auditEvents(t, c, "")
	if len(all) != 5 || all[0].Seq != 5 || all[4].Action != store.AuditUserAdd || all[0].Actor != centretest.AdminName {
		t.Fatalf("audit log %v", summary(all))
	}
	if page := auditEvents(t, c, "before=4&limit=2"); len(page) != 2 || page[0].Seq != 3 || page[1].Seq != 2 {
		t.Fatalf("page before 4: %v", page)
	}
	if evs := auditEvents(t, c, "action=user_add&actor=system"); len(evs) != 2 {
		t.Fatalf("user_add by system: %v", summary(evs))
	}

	rows := getCSV(t, c, "/api/audit?action=read_personal&format=csv")
	if strings.Join(rows[0], ",") != strings.Join(api.AuditCSVHeader, ",") || len(rows) != 4 || rows[1][0] != "5" || rows[1][2] != centretest.AdminName {
		t.Fatalf("CSV %v", rows)
	}
	last := auditEvents(t, c, "limit=1")[0]
	if last.Seq != 6 || last.Action != store.AuditExport || last.Subject != "audit" || last.Detail != "action=read_personal&format=csv" || last.Actor != centretest.SupervisorName {
		t.Fatalf("the export's own event %+v", last)
	}

	var chain api.AuditChain
	if resp := c.Request("GET", "/api/audit/verify", adm, nil, &chain); resp.StatusCode != http.StatusOK || chain.Verified != 6 || chain.Broken != nil {
		t.Fatalf("verify: status %d, %+v", resp.StatusCode, chain)
	}
}

func TestAuditLogBadParamsAndLogin(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	sup := centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword)
	for _, q := range []string{"before=0", "before=x", "limit=0", "format=xml", "from=2026-04-02&to=2026-04-01", "x=1", "actor=a&actor=b"} {
		var e web.ErrorBody
		resp := c.Request("GET", "/api/audit?"+q, sup, nil, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Code != centre.CodeBadParam {
			t.Errorf("%q: status %d body %+v, want 400 %s", q, resp.StatusCode, e, centre.CodeBadParam)
		}
	}
	for _, path := range []string{"/api/audit", "/api/audit/verify"} {
		if resp := c.Request("GET", path, nil, nil, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s without login: status %d, want 401", path, resp.StatusCode)
		}
	}
}

// A supervisor's ruling on a hold is in the audit log: who, which record,
// which ruling and the hold it left.
func TestRulingIsAudited(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true})
	c.Users()
	c.Rogue("T1", "P001").Send(centretest.AccountCharge(zhangSan, c.Now().Add(-time.Hour), powder)) // held
	resp := c.Request(http.MethodPost, "/api/holds/T1/1", centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword),
		strings.NewReader(`{"ruling":"accept"}`), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ruling: status %d", resp.StatusCode)
	}
	evs := auditEvents(t, c, "action=ruling")
	if got := summary(evs); len(got) != 1 || got[0] != "sup ruling T1/1 accept → accepted" {
		t.Fatalf("rulings in the audit log: %v", got)
	}
}
