package console_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"posagent/internal/browsertest"
	"posagent/internal/demo"
	"posagent/sync/centre/api"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// The second supervisor of the supervisor's day.
const (
	sup2Name     = "sup2"
	sup2Password = "sup2-password"
)

// TestSupervisorDayInABrowser walks a whole supervisor's day in headless
// Chromium at 1024×768, in Chinese, screenshots in the test's artifacts:
// the administrator publishes rules whose second_review_amount is 100
// yuan; a pharmacy's terminal splits one buyer's purchase into 15
// prescriptions of 200 yuan in one day with no identity check (the
// audited case), which the centre holds, and sells another customer 15
// yuan honestly; a supervisor opens the queue, samples
// the pharmacy's day, opens the split case and refuses it with a note,
// and cannot confirm that refusal; a second supervisor confirms it and
// accepts another held charge, whose money moves exactly once however
// often the form is sent; the settlement shows it and downloads as CSV;
// a what-if that tightens daily_amount reports what would change; the
// audit log holds the publish, the refusal, the confirmation and the
// acceptance, its chain intact.
func TestSupervisorDayInABrowser(t *testing.T) {
	browser := browsertest.New(t)
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true})
	c.Users()
	c.AddUser(sup2Name, store.RoleSupervisor, sup2Password)
	td, err := demo.FindTestdata()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := os.ReadFile(filepath.Join(td, "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	p := &tab{Tab: browsertest.NewTab(t, browser, browsertest.Variant{Width: 1024, Height: 768, Lang: "zh"},
		filepath.Join(browsertest.ArtifactsDir(t, "supervisor-day"), "1024x768-zh")), base: c.URL()}
	p.Container = "header, main, form, section, figure"
	base := c.URL()
	login := func(name, password string) {
		t.Helper()
		p.Do("login page", chromedp.Navigate(base+"/console/login"))
		p.Wait("login form", `!!document.querySelector('#password')`)
		p.Type("user name", "#name", name)
		p.Type("password", "#password", password)
		p.Click("log in", "#login")
		p.Wait("logged in as "+name, `location.pathname === '/console/' && !!document.querySelector('#filters')`)
	}
	logout := func() {
		t.Helper()
		p.Click("log out", "#logout")
		p.Wait("logged out", `location.pathname === '/console/login'`)
	}

	// The pharmacy's terminal splits a purchase into 15 prescriptions,
	// under the rules of version 1.
	day := c.Now().Add(-45 * time.Minute) // 08:15 on 1 April 2026, in business hours
	rogue := c.Rogue("T1", "P001")
	var recs []store.Txn
	for i := range 15 {
		recs = append(recs, rogue.Send(centretest.AccountCharge(zhangSanCard, day.Add(time.Duration(i)*time.Minute),
			centretest.AccountLine("D0001", "6901234500011", 8, 2500)))...)
	}
	// And an honest sale of 15 yuan to another customer.
	if x := rogue.Send(centretest.AccountCharge(liSiCard, day.Add(20*time.Minute),
		wire.Line{Code: "D0004", Barcode: "6901234500042", Qty: 1, UnitPrice: 1500, Amount: 1500, Account: 1500, Days: 5000}))[0]; x.Hold != "" || len(x.Flags) != 0 {
		t.Fatalf("the honest sale: flags %v hold %q, want neither", x.Flags, x.Hold)
	}
	var held []store.Txn
	for _, x := range recs {
		if store.AwaitsRuling(x.Hold) {
			held = append(held, x)
		}
	}
	if len(held) < 10 || held[0].Held != 20000 {
		t.Fatalf("the centre holds %d of the 15 split charges (%+v), want all beyond the first few, 200 yuan each", len(held), held)
	}
	// The administrator publishes rules asking a second supervisor for
	// refusals above 100 yuan.
	second := strings.Replace(string(rules), `"second_review_amount": 50000`, `"second_review_amount": 10000`, 1)
	if second == string(rules) {
		t.Fatal("testdata/rules.json has no second_review_amount of 50000 to change")
	}
	dir := t.TempDir()
	rulesFile := filepath.Join(dir, "rules.json")
	if err := os.WriteFile(rulesFile, []byte(second), 0o600); err != nil {
		t.Fatal(err)
	}
	login(centretest.AdminName, centretest.AdminPassword)
	p.Click("publish form", `nav a[href="/console/publish"]`)
	p.Wait("form", `!!document.querySelector('#publish')`)
	p.Do("choose files",
		chromedp.SetUploadFiles(chromedp.CSS("#catalogue"), []string{filepath.Join(td, "catalogue.csv")}),
		chromedp.SetUploadFiles(chromedp.CSS("#rules"), []string{rulesFile}))
	p.Click("publish", "#publish-button")
	p.Wait("published", `(document.querySelector('.notice') || {}).textContent === '已发布第 2 版，正在推送到在线终端'`)
	p.Shot("01-published")
	logout()

	refused, accepted := held[0], held[1]
	balance := func() int64 {
		t.Helper()
		return c.AccountBalance(zhangSanCard)
	}
	payable := func() (payable, refusedFen int64) {
		t.Helper()
		var s api.Settlement
		month := day.In(c.Location()).Format("2006-01")
		if resp := c.Request("GET", "/api/settlement?pharmacy=P001&month="+month,
			centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword), nil, &s); resp.StatusCode != http.StatusOK {
			t.Fatalf("settlement: %d", resp.StatusCode)
		}
		return s.Statement.Payable, s.Statement.Refused
	}
	balance0 := balance()
	payable0, refused0 := payable()

	// The supervisor opens the queue and samples the pharmacy's day.
	login(centretest.SupervisorName, centretest.SupervisorPassword)
	p.Click("the review queue", `nav a[href="/console/?flagged=1"]`)
	p.Wait("queue", `!!document.querySelector('#txns tr.txn')`)
	var rows []listRow
	p.EvalJSON(readRows, &rows)
	if !hasSeq(rows, refused.Seq) || !hasSeq(rows, accepted.Seq) {
		t.Errorf("the queue lacks the held split charges %d and %d: %+v", refused.Seq, accepted.Seq, rows)
	}
	p.Layout("queue", regions)
	p.Shot("02-queue")
	date := day.In(c.Location()).Format("2006-01-02")
	p.Click("sample", `nav a[href="/console/sample"]`)
	p.Wait("sample form", `!!document.querySelector('#sample-form')`)
	p.Type("pharmacy", `#sample-form input[name="pharmacy"]`, "P001")
	p.Do("period", chromedp.SetValue(`#sample-form input[name="from"]`, date), chromedp.SetValue(`#sample-form input[name="to"]`, date))
	p.Click("draw", "#draw")
	p.Wait("sample", `!!document.querySelector('#sample-summary')`)
	if s := p.text("#sample-summary"); !strings.HasPrefix(s, "共 16 笔收费，抽取 16 笔。") || p.text("#seed") == "" {
		t.Errorf("sample summary %q, seed %q: want all 16 of the day's charges (≤ 50: all) and the seed shown", s, p.text("#seed"))
	}
	p.Layout("sample", regions)
	p.Shot("03-sample")

	// The split case: refused with a note, which needs a second supervisor.
	p.Do("open the split case", chromedp.Navigate(fmt.Sprintf("%s/console/txn/T1/%d", base, refused.Seq)))
	p.Wait("ruling form", `!!document.querySelector('#rule')`)
	p.Click("refuse", `#rule input[value="refuse"]`)
	p.Type("note", "#note", "分解处方：同日 15 张处方，无身份核验，月结算时拒付")
	p.Layout("ruling form", regions)
	p.Shot("04-refuse")
	p.Click("submit", "#rule-button")
	p.Wait("pending refusal", `!!document.querySelector('#pending-mine')`)
	if n := p.EvalString(`String(document.querySelectorAll('#rule').length)`); n != "0" {
		t.Error("the author of a pending refusal is offered the ruling form")
	}
	p.Shot("05-pending")
	// Nor may the author confirm it by sending the form anyway.
	if alert := postRuling(t, p, refused.Seq, "confirm"); !strings.Contains(alert, "不能确认或改判自己提出的拒付") {
		t.Errorf("the author confirming their own refusal: alert %q, want it refused", alert)
	}
	p.Shot("05-own-confirmation-refused")
	if b := balance(); b != balance0 {
		t.Errorf("balance %d after a pending refusal, want %d unchanged", b, balance0)
	}
	logout()

	// The second supervisor confirms, and accepts another held charge.
	login(sup2Name, sup2Password)
	p.Do("open the split case", chromedp.Navigate(fmt.Sprintf("%s/console/txn/T1/%d", base, refused.Seq)))
	p.Wait("confirm offered", `!!document.querySelector('#rule input[value="confirm"]')`)
	p.Click("confirm", `#rule input[value="confirm"]`)
	p.Click("submit", "#rule-button")
	p.Wait("refused", `location.search.includes('ruled=refused')`)
	p.Shot("06-confirmed")
	p.Do("open another held charge", chromedp.Navigate(fmt.Sprintf("%s/console/txn/T1/%d", base, accepted.Seq)))
	p.Wait("ruling form", `!!document.querySelector('#rule')`)
	p.Click("accept", `#rule input[value="accept"]`)
	p.Click("submit", "#rule-button")
	p.Wait("accepted", `location.search.includes('ruled=accepted')`)
	for range 2 { // the form sent again, as a double click or a resend would
		if alert := postRuling(t, p, accepted.Seq, "accept"); !strings.Contains(alert, "没有待审定的暂缓支付金额") {
			t.Errorf("accepting again: alert %q, want nothing left to rule", alert)
		}
	}
	if b := balance(); b != balance0-accepted.Held {
		t.Errorf("balance %d, want %d: the accepted 200 yuan taken exactly once", b, balance0-accepted.Held)
	}
	if pay, ref := payable(); pay != payable0+accepted.Held || ref != refused0+refused.Held {
		t.Errorf("payable %d refused %d, want %d and %d", pay, ref, payable0+accepted.Held, refused0+refused.Held)
	}

	// The settlement on screen and as CSV.
	month := day.In(c.Location()).Format("2006-01")
	p.Do("settlement", chromedp.Navigate(base+"/console/settlement?pharmacy=P001&month="+month))
	p.Wait("statement", `!!document.querySelector('#settlement-total')`)
	p.Layout("settlement", regions)
	p.Shot("07-settlement")
	href := p.EvalString(`document.querySelector('#settlement-csv').getAttribute('href')`)
	hb := newBrowser(t, base) // the download, through a session of its own
	hb.mustLogin(sup2Name, sup2Password)
	if resp, csv := hb.get(href); resp.StatusCode != http.StatusOK || !strings.Contains(csv, "payable_fen") ||
		!strings.Contains(csv, "TOTAL") || !strings.Contains(csv, api.Yuan(refused0+refused.Held)) {
		t.Errorf("settlement CSV %s: %d\n%s", href, resp.StatusCode, csv)
	}

	// A what-if that tightens daily_amount to 10 yuan: the honest sale of
	// 15 yuan would be held.
	tight := strings.Replace(second, `"daily_amount": 60000`, `"daily_amount": 1000`, 1)
	catalogue, err := os.ReadFile(filepath.Join(td, "catalogue.csv"))
	if err != nil {
		t.Fatal(err)
	}
	p.Do("what-if", chromedp.Navigate(base+"/console/whatif"))
	p.Wait("what-if form", `!!document.querySelector('#whatif-form')`)
	p.Do("draft", chromedp.SetValue(`#whatif-form textarea[name="catalogue_text"]`, string(catalogue)),
		chromedp.SetValue(`#whatif-form textarea[name="rules_text"]`, tight),
		chromedp.SetValue(`#whatif-form input[name="from"]`, date), chromedp.SetValue(`#whatif-form input[name="to"]`, date))
	p.Click("run", "#whatif-run")
	p.Wait("report", `!!document.querySelector('#whatif-summary')`)
	if s := p.text("#whatif-summary"); s != "重放收费 16 笔，其中 1 笔会改变" {
		t.Errorf("what-if summary %q: want the day's 16 charges replayed and the honest sale changed by the tighter daily amount", s)
	}
	p.Layout("what-if", regions)
	p.Shot("08-whatif")

	// The audit log.
	p.Click("audit log", `nav a[href="/console/audit"]`)
	p.Wait("audit log", `!!document.querySelector('#audit-chain')`)
	var events []string
	p.EvalJSON(`Array.from(document.querySelectorAll('#audit tr.audit-event')).map(r => r.dataset.action + ' ' + r.cells[2].textContent + ' ' + r.cells[4].textContent)`, &events)
	all := strings.Join(events, "\n")
	for _, want := range []string{
		"publish " + centretest.AdminName,
		fmt.Sprintf("ruling %s T1/%d", centretest.SupervisorName, refused.Seq),
		fmt.Sprintf("confirm %s T1/%d", sup2Name, refused.Seq),
		fmt.Sprintf("ruling %s T1/%d", sup2Name, accepted.Seq),
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, all)
		}
	}
	if p.EvalString(`document.querySelector('#audit-chain').dataset.verified || ''`) == "" {
		t.Errorf("the audit chain is not verified: %q", p.text("#audit-chain"))
	}
	p.Layout("audit", regions)
	p.Shot("09-audit")
}

// Cards of the sample accounts.
const (
	zhangSanCard = "A00000001" // diabetic, 2,860 yuan
	liSiCard     = "A00000002" // 1,520 yuan
)

// postRuling sends a ruling form for T1/seq from the record's page, with
// the session and its CSRF token, as a resent or forged form would be
// (the page offers no such form), and returns the alert the answer shows.
func postRuling(t *testing.T, p *tab, seq uint64, ruling string) string {
	t.Helper()
	p.Do("open the record", chromedp.Navigate(fmt.Sprintf("%s/console/txn/T1/%d", p.base, seq)))
	p.Wait("record", `document.readyState === 'complete' && !!document.querySelector('input[name="csrf"]')`)
	p.EvalString(fmt.Sprintf(`(() => {
		const f = document.createElement('form');
		f.method = 'post';
		f.action = '/console/txn/T1/%d/rule';
		for (const [k, v] of [['csrf', document.querySelector('input[name="csrf"]').value], ['ruling', %q], ['note', 'again']]) {
			const i = document.createElement('input');
			i.type = 'hidden'; i.name = k; i.value = v;
			f.appendChild(i);
		}
		document.body.appendChild(f);
		f.submit();
		return '';
	})()`, seq, ruling))
	p.Wait("the answer", `!!document.querySelector('.alert.error') && document.readyState === 'complete'`)
	return p.text(".alert.error")
}
