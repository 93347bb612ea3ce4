package console_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"posagent/sync/centre"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/console"
	"posagent/sync/centre/store"
)

var (
	auditCSVLink = regexp.MustCompile(`<a id="audit-csv" href="([^"]+)"`)
	olderLink    = regexp.MustCompile(`<a id="older" href="([^"]+)"`)
	auditSeqs    = regexp.MustCompile(`<tr class="audit-event" data-seq="(\d+)"`)
)

func seqsOf(page string) []string {
	var out []string
	for _, m := range auditSeqs.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// A supervisor's reads of personal data are in the audit log the console
// shows, newest first, with the chain verified, in Chinese and English;
// filters narrow it; the CSV download has the same events and is itself
// audited; a bad filter is refused with the catalogue's text.
func TestConsoleShowsTheAuditLog(t *testing.T) {
	c := centretest.Start(t)
	c.Users() // seq 1, 2: user_add by system
	b := newBrowser(t, c.URL())
	b.mustLogin(centretest.SupervisorName, centretest.SupervisorPassword)
	b.get("/console/lookups?terminal=T1")                  // seq 3: read_personal
	b.get("/console/settlement?pharmacy=P1&month=2026-04") // on screen: not audited
	b.get("/console/terminals")                            // no personal data

	resp, page := b.get("/console/audit")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("audit page: %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{`<a href="/console/audit" class="on">审计日志</a>`, "哈希链校验通过：共 3 条记录。",
		`data-verified="3"`, "查阅个人信息", "terminal=T1", "新增用户", "下载 CSV"} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	if got := strings.Join(seqsOf(page), ","); got != "3,2,1" {
		t.Errorf("events %s, want 3,2,1 (newest first)", got)
	}
	if _, list := b.get("/console/"); !strings.Contains(list, `<a href="/console/audit">审计日志</a>`) {
		t.Error("the transactions page's navigation lacks the audit log")
	}
	if _, en := b.get("/console/audit?lang=en"); !strings.Contains(en, "Chain verified: 4 events.") ||
		!strings.Contains(en, "Read of personal data") || strings.Contains(en, "审计日志") {
		t.Errorf("English page (the transactions list read in between is event 4):\n%s", en)
	}
	b.get("/console/audit?lang=zh")

	_, page = b.get("/console/audit?action=user_add&actor=system&from=&to=")
	if got := strings.Join(seqsOf(page), ","); got != "2,1" {
		t.Errorf("user_add by system: %s, want 2,1", got)
	}

	m := auditCSVLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSV link:\n%s", page)
	}
	resp, body := b.get(html.UnescapeString(m[1]))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "seq" || rows[1][0] != "2" || rows[1][3] != store.AuditUserAdd {
		t.Fatalf("CSV rows %v, %v", rows, err)
	}
	evs, err := c.Store().Audit(context.Background(), store.AuditFilter{Limit: 1})
	if err != nil || evs[0].Action != store.AuditExport || evs[0].Subject != "audit" || evs[0].Actor != centretest.SupervisorName {
		t.Fatalf("the download's own event: %+v, %v", evs, err)
	}

	resp, page = b.get("/console/audit?from=yesterday")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "筛选条件有误") || strings.Contains(page, "RFC 3339") || strings.Contains(page, "audit-chain") {
		t.Errorf("bad filter: %d\n%s", resp.StatusCode, page)
	}
}

// A long log pages by seq: the older link continues where the page ended.
func TestConsoleAuditPages(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	for i := range 250 {
		if _, err := c.Store().AppendAudit(context.Background(), store.AuditEvent{At: c.Now(), Actor: "x", Action: store.AuditExport, Detail: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, c.URL())
	b.mustLogin(centretest.SupervisorName, centretest.SupervisorPassword)
	_, page := b.get("/console/audit?actor=x")
	seqs := seqsOf(page)
	if len(seqs) != 200 || seqs[0] != "252" || seqs[199] != "53" {
		t.Fatalf("first page: %d events, %v … %v", len(seqs), seqs[0], seqs[len(seqs)-1])
	}
	m := olderLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no older link")
	}
	_, page = b.get(html.UnescapeString(m[1]))
	seqs = seqsOf(page)
	if len(seqs) != 50 || seqs[0] != "52" || seqs[49] != "3" || olderLink.MatchString(page) {
		t.Fatalf("second page: %d events %v", len(seqs), seqs)
	}
}

// brokenChain is a store whose audit chain breaks at seq 3.
type brokenChain struct{ store.Store }

func (brokenChain) VerifyAudit(context.Context) (int, error) {
	return 2, &store.AuditBroken{Seq: 3, Reason: store.AuditBadHash}
}

// A broken chain is said at the top of the page, where and why, in the
// page's language.
func TestConsoleAuditSaysWhereTheChainBreaks(t *testing.T) {
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "centre.db"), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cc, err := centre.New(centre.Config{Store: brokenChain{st}, Logger: centretest.QuietLogger(), PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	if err := cc.AddUser(context.Background(), "sup", store.RoleSupervisor, "a long enough secret"); err != nil {
		t.Fatal(err)
	}
	h, err := console.New(console.Config{Centre: cc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	b := newBrowser(t, srv.URL)
	b.mustLogin("sup", "a long enough secret")
	_, page := b.get("/console/audit")
	if !strings.Contains(page, `data-broken="3"`) || !strings.Contains(page, "哈希链在第 3 条断开（内容与哈希不符，记录被改动）；此前 2 条校验通过。") {
		t.Errorf("zh page:\n%s", page)
	}
	if _, en := b.get("/console/audit?lang=en"); !strings.Contains(en, "Chain broken at seq 3 (the event does not match its hash: it was changed); the 2 events before it verify.") {
		t.Errorf("en page:\n%s", en)
	}
}
