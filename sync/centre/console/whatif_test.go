package console_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/centretest"
	"posagent/sync/wire"
)

// whatIfCentre is a centre with the sample published (version 1) and
// three honest charges of card A00000002 at P1 on 1 April 2026, 980 fen
// each from the account, one drug each.
func whatIfCentre(t *testing.T) *centretest.Centre {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true})
	c.Users()
	now := c.Now()
	c.SeedHonestCharges("T1", "P1", "A00000002", centretest.WhatIfLines,
		[]time.Time{now.Add(-3 * time.Minute), now.Add(-2 * time.Minute), now.Add(-time.Minute)})
	return c
}

// postWhatIf posts the what-if form, the catalogue uploaded as a file and
// the rules pasted.
func postWhatIf(t *testing.T, b *browser, csrf, catalogue, rules, from, to string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"csrf": csrf, "rules_text": rules, "from": from, "to": to} {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if catalogue != "" {
		fw, err := mw.CreateFormFile("catalogue", "catalogue.csv")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(catalogue))
	}
	mw.Close()
	req, err := http.NewRequest("POST", b.base+"/console/whatif", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// A supervisor runs a what-if from the console: the published rules
// change nothing; daily_amount tightened to 15 yuan holds two charges,
// ¥19.60, with SPLIT_DAILY_AMOUNT, in Chinese and in English; bad input
// is answered with the catalogues' texts, never a Go error.
func TestConsoleWhatIf(t *testing.T) {
	c := whatIfCentre(t)
	td := centretest.Testdata(t)
	cat, err := os.ReadFile(filepath.Join(td, "catalogue.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := os.ReadFile(filepath.Join(td, "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	tight := strings.Replace(string(rules), `"daily_amount": 60000`, `"daily_amount": 1500`, 1)

	if resp, _ := newBrowser(t, c.URL()).get("/console/whatif"); resp.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/console/login") {
		t.Fatalf("what-if without a session: %d %q, want a redirect to the login", resp.StatusCode, resp.Header.Get("Location"))
	}
	b := newBrowser(t, c.URL())
	b.mustLogin(centretest.SupervisorName, centretest.SupervisorPassword)
	resp, page := b.get("/console/whatif")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<a href="/console/whatif" class="on">规则推演</a>`) ||
		!strings.Contains(page, `id="whatif-form"`) || strings.Contains(page, `id="whatif-summary"`) {
		t.Fatalf("empty what-if page: %d\n%s", resp.StatusCode, page)
	}
	if _, list := b.get("/console/"); !strings.Contains(list, `<a href="/console/whatif">规则推演</a>`) {
		t.Error("the transactions page's navigation lacks the what-if page")
	}
	csrf := csrfOf(t, page)

	resp, page = postWhatIf(t, b, csrf, string(cat), string(rules), "2026-04-01", "2026-04-01")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "重放收费 3 笔，其中 0 笔会改变") || !strings.Contains(page, `id="whatif-no-change"`) {
		t.Fatalf("same rules: %d\n%s", resp.StatusCode, page)
	}

	resp, page = postWhatIf(t, b, csrf, string(cat), tight, "2026-04-01", "2026-04-01")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("tight rules: %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{"重放收费 3 笔，其中 2 笔会改变",
		`<tr data-pharmacy="P1"><td>P1</td><td class="num">3</td><td class="num">2</td>`, "¥19.60",
		`data-code="SPLIT_DAILY_AMOUNT"`, `data-code="POLICY_MISMATCH"`} {
		if !strings.Contains(page, want) {
			t.Errorf("tight rules page lacks %q\n%s", want, page)
		}
	}
	b.do(mustReq(t, b.base+"/console/whatif?lang=en")) // the language is remembered
	_, en := postWhatIf(t, b, csrf, string(cat), tight, "2026-04-01", "2026-04-01")
	if !strings.Contains(en, "3 charges replayed, 2 would change") || !strings.Contains(en, "By reason code") || strings.Contains(en, "重放") {
		t.Errorf("English page:\n%s", en)
	}
	b.do(mustReq(t, b.base+"/console/whatif?lang=zh"))

	for _, tc := range []struct {
		name, cat, rules, from, to, want string
		status                           int
	}{
		{"no catalogue", "", string(rules), "2026-04-01", "2026-04-01", "请上传或粘贴药品目录和规则", http.StatusBadRequest},
		{"corrupt rules", string(cat), `{"daily_amount": `, "2026-04-01", "2026-04-01", "草拟的规则无法解析", http.StatusBadRequest},
		{"rules as catalogue", string(rules), string(rules), "2026-04-01", "2026-04-01", "草拟的药品目录无法解析", http.StatusBadRequest},
		{"from after to", string(cat), string(rules), "2026-04-30", "2026-04-01", "起始日不晚于截止日", http.StatusBadRequest},
	} {
		resp, page := postWhatIf(t, b, csrf, tc.cat, tc.rules, tc.from, tc.to)
		if resp.StatusCode != tc.status || !strings.Contains(page, tc.want) || strings.Contains(page, "draft:") || strings.Contains(page, "what-if:") {
			t.Errorf("%s: %d\n%s", tc.name, resp.StatusCode, page)
		}
	}

	// Nothing was published.
	if v, err := c.Centre().LatestVersion(context.Background(), wire.KindBundle); err != nil || v != 1 {
		t.Fatalf("latest bundle %d (%v), want still 1", v, err)
	}
}

func mustReq(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
