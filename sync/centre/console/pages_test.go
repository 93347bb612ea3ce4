package console_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"posagent/internal/cardproof"
	"posagent/policy"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// rowsOf returns the data-terminal/data-seq of every row in a list page.
func rowsOf(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr class="txn[^"]*" data-terminal="([^"]+)" data-seq="(\d+)">`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1]+"/"+m[2])
	}
	return out
}

// seededConsole is a centre with SeedTransactions' records and its
// users, and a browser logged in as the supervisor.
func seededConsole(t *testing.T) (*centretest.Centre, *browser) {
	t.Helper()
	c := centretest.Start(t)
	c.Users()
	c.SeedTransactions()
	b := newBrowser(t, c.URL())
	b.mustLogin(centretest.SupervisorName, centretest.SupervisorPassword)
	return c, b
}

func TestConsoleListsAndFiltersTransactions(t *testing.T) {
	c, b := seededConsole(t)

	day2 := url.QueryEscape(time.Date(2025, 3, 4, 10, 0, 0, 0, c.Location()).Format(time.RFC3339Nano))
	for query, want := range map[string]string{
		"":                         "T2/2 T1/2 T2/1 T1/1",
		"?flagged=1":               "T2/1",
		"?terminal=T1":             "T1/2 T1/1",
		"?pharmacy=P2&kind=charge": "T2/1",
		"?card_no=1001&from=2025-03-04&to=2025-03-04":   "T1/2",
		"?pharmacy=&terminal=&card_no=&kind=&from=&to=": "T2/2 T1/2 T2/1 T1/1",
		"?limit=2":                            "T2/2 T1/2",
		"?limit=2&before=" + day2 + "&skip=2": "T2/1 T1/1",
		"?limit=2&before=" + day2 + "&skip=1": "T1/2 T2/1",
		"?before=" + day2:                     "T2/2 T1/2 T2/1 T1/1",
		"?cashier=c9":                         "T2/1",
		"?code=PRICE_ABOVE_CAP&held=0":        "T2/1",
		"?min_yuan=6&max_yuan=&code=":         "T1/2 T2/1",
		"?min_yuan=5.50&max_yuan=6.5":         "T1/2",
		"?max_yuan=0":                         "T2/2 T1/2 T2/1 T1/1", // 0 is no upper bound
	} {
		resp, page := b.get("/console/" + query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("list %q: status %d:\n%s", query, resp.StatusCode, page)
		}
		if got := strings.Join(rowsOf(page), " "); got != want {
			t.Errorf("list %q: rows %q, want %q", query, got, want)
		}
	}

	_, page := b.get("/console/?flagged=1")
	for _, want := range []string{
		`<tr class="txn flagged" data-terminal="T2" data-seq="1">`,
		`<span class="reason sev-review" title="已支付，待稽核: 价格">PRICE_ABOVE_CAP</span>`,
		`<td class="num">¥7.00</td>`, // total and account of 700 fen
		`<td>c9</td>`, `<td class="mono">1002</td>`, `<td>中心实时</td>`,
		`checked`, // the form remembers the filter
		`<a href="/console/?flagged=1" class="on">审核队列</a>`, // the queue is the navigation's page
		`<td class="num" id="total-account">¥7.00</td>`,     // the page's totals
		`<a id="txns-csv" href="/console/?flagged=1&amp;format=csv" download>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("flagged list lacks %s:\n%s", want, page)
		}
	}
	// The same list as CSV: only the flagged record, without the paging.
	if resp, csv := b.get("/console/?flagged=1&format=csv"); resp.StatusCode != http.StatusOK ||
		resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || strings.Count(csv, "\n") != 2 || !strings.Contains(csv, ",T2-1,") {
		t.Errorf("the list as CSV: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), csv)
	}
}

// TestConsoleListPagesOlderRecords pages one row at a time through
// records of which two share the same instant: each shows exactly once.
func TestConsoleListPagesOlderRecords(t *testing.T) {
	_, b := seededConsole(t)
	older := regexp.MustCompile(`<a id="older" href="([^"]+)"`)
	var seen []string
	path := "/console/?limit=1"
	for range 10 {
		_, page := b.get(path)
		seen = append(seen, rowsOf(page)...)
		m := older.FindStringSubmatch(page)
		if m == nil {
			break
		}
		path = html.UnescapeString(m[1])
	}
	if got := strings.Join(seen, " "); got != "T2/2 T1/2 T2/1 T1/1" {
		t.Fatalf("paging one by one showed %q, want T2/2 T1/2 T2/1 T1/1", got)
	}
	if _, all := b.get("/console/"); strings.Contains(all, `id="older"`) {
		t.Error("a page that is not full links to older records")
	}
}

func TestConsoleRefusesBadFilters(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	b := newBrowser(t, c.URL())
	b.mustLogin("sup", "sup-password")
	for _, q := range []string{"?from=yesterday", "?kind=refund", "?card_no=12%3B4", "?before=soon", "?skip=1", "?before=2025-03-04T10:00:00Z&skip=-1", "?color=red",
		"?from=2025-03-05&to=2025-03-04", "?min_yuan=abc", "?max_yuan=-1", "?code=split", "?min_yuan=7&max_yuan=6"} {
		resp, page := b.get("/console/" + q)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "查询条件有误") {
			t.Errorf("list %s: status %d, want 400 with the reason", q, resp.StatusCode)
		}
	}
}

func TestConsoleShowsATransactionsEvidence(t *testing.T) {
	c := centretest.Start(t)
	c.Enrol("T9", "P9")
	c.Accounts(map[string]int64{"1003": 100})
	c.Users()
	at := time.Date(2025, 3, 3, 11, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	ch := &centretest.Chain{Terminal: "T9"}
	ch.Add(t, wire.Record{Terminal: "T9", Kind: wire.KindCharge, TxnID: "T9-1", At: at, CardNo: "1003",
		Cashier: `<script>alert("x")</script>`, Total: 16800, Account: 16800,
		Reasons: []policy.Reason{{Code: policy.SplitDailyAmount, Severity: policy.Block,
			Message: "daily amount", MessageZh: "当日金额", Evidence: map[string]any{
				"earlier_account": int64(60000), "limit": int64(60000), "day": "2025-03-03", "partial_history": false}}},
		Lines: []wire.Line{{Code: "D0015", Qty: 1, UnitPrice: 16800, Amount: 16800, Account: 16800,
			Reasons: []policy.Reason{{Code: policy.ItemForbidden, Severity: policy.Block,
				Evidence: map[string]any{"code": "D0015", "category": "health_food"}}}}}})
	if _, err := c.Store().Apply(context.Background(), "T9", ch.Entries, store.Judging{ReceivedAt: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, c.URL())
	b.mustLogin("sup", "sup-password")
	_, list := b.get("/console/?lang=en")
	link := regexp.MustCompile(`<a class="detail" href="([^"]+)"`).FindStringSubmatch(list)
	if link == nil {
		t.Fatalf("no detail link:\n%s", list)
	}
	for _, path := range []string{strings.ReplaceAll(link[1], "&amp;", "&"), "/console/txn/T9/1"} {
		resp, page := b.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("detail %s: status %d", path, resp.StatusCode)
		}
		for _, want := range []string{
			`id="reason-SPLIT_DAILY_AMOUNT"`, `<td class="mono">earlier_account</td><td>60000 (¥600.00)</td>`,
			`<td class="mono">day</td><td>2025-03-03</td>`, `<td class="mono">partial_history</td><td>false</td>`,
			`id="reason-ITEM_FORBIDDEN"`, `<td class="mono">category</td><td>health_food</td>`,
			`保健品、化妆品、日用品等不能使用医保个人账户支付`, // a message the record lacked, from policy
			`<span class="flag">OVERDRAFT</span> Overdraft`, `¥168.00`, `&lt;script&gt;`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("detail %s lacks %s", path, want)
			}
		}
		if strings.Contains(page, `<script>`) {
			t.Fatalf("detail %s: the cashier field was not escaped", path)
		}
	}
	for _, path := range []string{"/console/txn/T9/2", "/console/txn/T8/1", "/console/txn/T9/x", "/console/txn/T9/0"} {
		if resp, _ := b.get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("detail %s: status %d, want 404", path, resp.StatusCode)
		}
	}
}

// The detail page says how each record says the holder was there: a card
// signature with its counter, a swipe without proof, a record that does
// not say, or a source a forger made up (shown as its code, escaped).
func TestConsoleShowsPresence(t *testing.T) {
	c := centretest.Start(t)
	c.Enrol("T9", "P9")
	c.Accounts(map[string]int64{"1003": 100000})
	c.Users()
	at := time.Date(2025, 3, 3, 11, 0, 0, 0, time.FixedZone("CST", 8*3600))
	ch := &centretest.Chain{Terminal: "T9"}
	for i, read := range []*wire.CardRead{{Source: "frame"}, {Source: "track2"}, nil, {Source: "<b>x</b>"}} {
		rec := wire.Record{Terminal: "T9", Kind: wire.KindCharge, TxnID: fmt.Sprint("T9-", i+1), At: at, CardNo: "1003",
			Total: 100, Cash: 100, Lines: []wire.Line{{Code: "D0006", Qty: 1, UnitPrice: 100, Amount: 100, Cash: 100}}, CardRead: read}
		if i == 0 {
			rec.CardProof = &cardproof.Proof{Challenge: "00", Counter: 17, Cryptogram: "00"}
		}
		ch.Add(t, rec)
	}
	if _, err := c.Store().Apply(context.Background(), "T9", ch.Entries, store.Judging{ReceivedAt: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, c.URL())
	b.mustLogin("sup", "sup-password")
	for seq, want := range map[int]string{
		1: `<dd id="presence">IC卡 · 卡片签名 #17</dd>`,
		2: `<dd id="presence">磁条刷卡 · 无到场证明</dd>`,
		3: `<dd id="presence">记录未说明读卡方式</dd>`,
		4: `<dd id="presence">source_&lt;b&gt;x&lt;/b&gt; · 无到场证明</dd>`,
	} {
		if _, page := b.get(fmt.Sprint("/console/txn/T9/", seq)); !strings.Contains(page, want) {
			t.Errorf("detail of seq %d lacks %s", seq, want)
		}
	}
	if _, page := b.get("/console/txn/T9/1?lang=en"); !strings.Contains(page, `IC card · signed by the card, counter #17`) {
		t.Error("English detail lacks the presence")
	}
}

func TestConsoleShowsTerminals(t *testing.T) {
	c := centretest.Start(t)
	c.Enrol("T1", "P1")
	c.Enrol("T2", "P2")
	c.Users()
	if _, err := c.Centre().Publish(context.Background(), []byte(centretest.Catalogue), []byte(centretest.Rules)); err != nil {
		t.Fatal(err)
	}
	seen := time.Date(2025, 3, 3, 9, 30, 0, 0, c.Location())
	if err := c.Store().ReportVersions(context.Background(), "T1", 1, 0, "", seen); err != nil {
		t.Fatal(err)
	}
	if err := c.Store().ReportVersions(context.Background(), "T2", 0, 0, "bundle 1 refused: bad signature", seen); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, c.URL())
	b.mustLogin("sup", "sup-password")
	_, page := b.get("/console/terminals")
	for _, want := range []string{
		"中心最新规则版本：1",
		`<tr class="terminal" data-terminal="T1">`, `<td class="num rules-version">1</td>`,
		`<tr class="terminal flagged" data-terminal="T2">`, `<span class="behind">未更新</span>`,
		`<td class="rules-error">bundle 1 refused: bad signature</td>`,
		`<td class="no">离线</td>`, `2025-03-03 09:30:00`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("terminals page lacks %s:\n%s", want, page)
		}
	}
}

func TestConsoleSpeaksEnglishOnRequest(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	b := newBrowser(t, c.URL())
	_, form := b.get("/console/login")
	if !strings.Contains(form, `<html lang="zh-CN">`) || !strings.Contains(form, "稽核员登录") ||
		!strings.Contains(form, `href="/console/login?lang=en`) {
		t.Fatalf("login page is not Chinese with an English switch:\n%s", form)
	}
	_, form = b.get("/console/login?lang=en")
	if !strings.Contains(form, `<html lang="en">`) || !strings.Contains(form, "Supervisor login") {
		t.Fatalf("?lang=en login page:\n%s", form)
	}
	b.mustLogin("sup", "sup-password") // the choice is remembered
	_, page := b.get("/console/terminals")
	if !strings.Contains(page, "No terminals enrolled") || !strings.Contains(page, ">中文</a>") {
		t.Fatalf("terminals page after choosing English:\n%s", page)
	}
}

func TestConsolePagesAreLockedDown(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	b := newBrowser(t, c.URL())
	resp, _ := b.get("/console/login")
	for h, want := range map[string]string{
		"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") ||
		strings.Contains(csp, "unsafe") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	resp, css := b.get("/console/static/console.css")
	if resp.StatusCode != http.StatusOK || !strings.Contains(css, "tr.flagged") {
		t.Fatalf("stylesheet: status %d", resp.StatusCode)
	}
}
