package console_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"posagent/agent"
	"posagent/internal/browsertest"
	"posagent/internal/demo"
	"posagent/policy"
)

// tab drives the console in one browser tab as a supervisor does: typing,
// clicking, following links, on controls it has checked a person can see
// and reach. Every failure leaves a screenshot behind.
type tab struct {
	*browsertest.Tab
	base string // the centre's URL, for tabs that need it
}

// regions are the console's boxes that must sit apart, neither
// overlapping nor spilling, at every screen size.
const regions = ".top > *, main > *"

// text is an element's text, trimmed.
func (p *tab) text(sel string) string {
	p.T.Helper()
	return strings.TrimSpace(p.Text(sel))
}

// switchLanguage follows the language link and waits for the page in
// htmlLang ("en" or "zh-CN").
func (p *tab) switchLanguage(htmlLang string) {
	p.T.Helper()
	p.Click("language switch", "#lang-switch")
	p.Wait("page in "+htmlLang, fmt.Sprintf(`document.documentElement.lang === %q && document.readyState === 'complete'`, htmlLang))
}

// listRow is one row of the transactions list as the page shows it.
type listRow struct {
	Seq     string   `json:"seq"`
	Flagged bool     `json:"flagged"`
	Codes   []string `json:"codes"`
	Hover   []string `json:"hover"`
	Kind    string   `json:"kind"`
}

const readRows = `Array.from(document.querySelectorAll('#txns tr.txn')).map(r => ({
	seq: r.dataset.seq, flagged: r.classList.contains('flagged'), kind: r.cells[4].textContent,
	codes: Array.from(r.querySelectorAll('.reason')).map(e => e.textContent),
	hover: Array.from(r.querySelectorAll('.reason')).map(e => e.title)}))`

// daySales makes what a supervisor must find: an ordinary sale, a sale
// with a forbidden item, and a split attempt (four purchases; the fourth
// refused from the account), all synced to the centre.
func daySales(t *testing.T, ctx context.Context, env *demo.Env) (clean, forbidden, split agent.Charge) {
	t.Helper()
	sell := func(card string, lines ...policy.Line) (agent.Quote, agent.Charge) {
		t.Helper()
		c, err := env.Card(card)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Swipe(ctx, c); err != nil {
			t.Fatal(err)
		}
		q, err := env.POS.Quote(ctx, agent.QuoteRequest{Cashier: "C01", Lines: lines})
		if err != nil {
			t.Fatalf("quote for %s: %v", card, err)
		}
		ch, err := env.POS.Charge(ctx, agent.ChargeRequest{QuoteID: q.QuoteID,
			IdempotencyKey: fmt.Sprintf("console-%d", time.Now().UnixNano()), Confirm: q.Required})
		if err != nil {
			t.Fatalf("charge for %s: %v", card, err)
		}
		return q, ch
	}
	_, clean = sell("zhao-liu", demo.Amlodipine)
	_, forbidden = sell("zhang-san", demo.Banlangen, demo.ProteinPower)
	for i := 1; i <= 4; i++ {
		q, ch := sell("chen-gang", demo.Baiyao, demo.TestStrips)
		if i == 4 {
			if !slices.ContainsFunc(q.Reasons, func(r policy.Reason) bool { return r.Code == policy.SplitDailyCount }) {
				t.Fatalf("4th purchase: reasons %+v, want SPLIT_DAILY_COUNT", q.Reasons)
			}
			split = ch
		}
	}
	if err := env.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	return clean, forbidden, split
}

// TestConsoleInABrowser walks a supervisor and then an administrator
// through the console at each screen size and in each language: log in,
// filter, open a flagged sale's evidence, the terminals, publishing.
func TestConsoleInABrowser(t *testing.T) {
	browsertest.RunVariants(t, "console", superviseAndPublish)
}

func superviseAndPublish(t *testing.T, bt *browsertest.Tab) {
	ctx := t.Context()
	v := bt.Variant
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	env, err := demo.Start(ctx, demo.Options{Dir: t.TempDir(), Clock: demo.ClockAt(loc, 10),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	if err := env.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	clean, forbidden, split := daySales(t, ctx, env)
	p := &tab{Tab: bt}
	p.Container = "header, main, form, section"
	base := env.CentreURL()

	// Not logged in, the console sends the browser to the login form.
	p.Do("open console", chromedp.Navigate(base+"/console/?flagged=1"))
	p.Wait("login form", `location.pathname === '/console/login' && !!document.querySelector('#password')`)
	if v.English() {
		p.switchLanguage("en")
	}
	if h, want := p.text("h1"), v.Pick("稽核员登录", "Supervisor login"); h != want {
		t.Errorf("login heading %q, want %q", h, want)
	}
	p.Layout("login", regions)
	p.Shot("login")
	p.Type("user name", "#name", demo.SupervisorName)
	p.Type("password", "#password", demo.SupervisorPassword)
	p.Click("log in", "#login")
	p.Wait("list after login", `location.pathname === '/console/' && !!document.querySelector('#filters')`)
	var cookies string
	p.EvalJSON(`document.cookie`, &cookies)
	if strings.Contains(cookies, "posagent_console=") {
		t.Errorf("the session cookie is readable by scripts: %q", cookies)
	}

	// Everything, then flagged only, through the form.
	p.Do("all transactions", chromedp.Navigate(base+"/console/"))
	p.Wait("list", `!!document.querySelector('#txns')`)
	var all []listRow
	p.EvalJSON(readRows, &all)
	if !hasSeq(all, clean.Seq) {
		t.Fatalf("the ordinary sale (seq %d) is not in the full list: %+v", clean.Seq, all)
	}
	p.Layout("all transactions", regions)
	p.Shot("all")
	p.Click("flagged only", "#flagged")
	p.Click("apply the filters", "#apply-filters")
	p.Wait("flagged list", `location.search.includes('flagged=1') && !!document.querySelector('#txns')`)
	var flagged []listRow
	p.EvalJSON(readRows, &flagged)
	p.Layout("flagged only", regions)
	p.Shot("flagged-only")
	checkFlaggedList(t, v, flagged, clean, forbidden, split)

	// The forbidden sale's detail page shows the evidence.
	p.Click("open detail", fmt.Sprintf(`#txns tr[data-seq="%d"] a.detail`, forbidden.Seq))
	p.Wait("detail page", `!!document.querySelector('#reason-ITEM_FORBIDDEN')`)
	if ev := p.text("#reason-ITEM_FORBIDDEN table.evidence"); !strings.Contains(ev, "health_food") || !strings.Contains(ev, demo.ProteinPower.Code) {
		t.Errorf("ITEM_FORBIDDEN evidence %q, want the category and the item code", ev)
	}
	if msg := p.text(`#reason-ITEM_FORBIDDEN p[lang="zh-CN"]`); !strings.Contains(msg, "保健品") {
		t.Errorf("ITEM_FORBIDDEN message %q", msg)
	}
	p.Visible("evidence", "#reason-ITEM_FORBIDDEN table.evidence")
	p.Layout("detail", regions)
	p.Shot("detail-forbidden")

	// The terminals page shows T001 running rules version 1, connected.
	p.Click("terminals", `nav a[href="/console/terminals"]`)
	p.Wait("terminals page", `!!document.querySelector('#terminals tr[data-terminal="T001"]')`)
	if v := p.text(`tr[data-terminal="T001"] .rules-version`); v != "1" {
		t.Errorf("T001 rules version %q, want 1", v)
	}
	if c, want := p.text(`tr[data-terminal="T001"] td.yes`), v.Pick("在线", "yes"); c != want {
		t.Errorf("T001 connected cell %q, want %q", c, want)
	}
	p.Layout("terminals", regions)
	p.Shot("terminals")

	// In the other language, and a supervisor is offered no publishing.
	p.switchLanguage(v.Pick("en", "zh-CN"))
	if h, want := p.text("h1"), v.Pick("Terminals", "终端状态"); h != want {
		t.Errorf("heading after the switch %q, want %q", h, want)
	}
	if n := p.text(`nav a[href="/console/publish"]`); n != "" {
		t.Errorf("a supervisor sees a publish link %q", n)
	}
	p.Layout("terminals after the switch", regions)
	p.Shot("terminals-" + v.Pick("en", "zh"))
	p.switchLanguage(v.Pick("zh-CN", "en"))

	// The look-ups page: the agent's look-ups at the day's swipes (at
	// least one per card: a card swiped again soon after may be answered
	// from the agent's cache, and how soon depends on the machine's
	// speed), each followed by its sale, and no alert.
	p.Click("look-ups", `nav a[href="/console/lookups"]`)
	p.Wait("look-ups page", `!!document.querySelector('#lookup-alerts') && !!document.querySelector('#lookups')`)
	var sales []string
	p.EvalJSON(`Array.from(document.querySelectorAll('#lookups tr.lookup[data-terminal="T001"] td.sale')).map(e => e.textContent)`, &sales)
	if len(sales) < 3 || slices.Contains(sales, v.Pick("否", "no")) {
		t.Errorf("T001's look-ups show sales %q, want at least one per card (3), each followed by a sale", sales)
	}
	p.Visible("no alerts", "#no-alerts")
	p.Layout("look-ups", regions)
	p.Shot("lookups")
	p.Click("log out", "#logout")
	p.Wait("logged out", `location.pathname === '/console/login'`)

	publishAsAdmin(t, p, base)
}

// publishAsAdmin logs in as the administrator, uploads the sample files
// and waits until T001 reports the new version.
func publishAsAdmin(t *testing.T, p *tab, base string) {
	t.Helper()
	td, err := demo.FindTestdata()
	if err != nil {
		t.Fatal(err)
	}
	p.Type("admin name", "#name", demo.AdminName)
	p.Type("admin password", "#password", demo.AdminPassword)
	p.Click("admin log in", "#login")
	p.Wait("list", `location.pathname === '/console/' && !!document.querySelector('nav a[href="/console/publish"]')`)
	p.Click("publish form", `nav a[href="/console/publish"]`)
	p.Wait("form", `!!document.querySelector('#publish')`)
	p.Do("choose files",
		chromedp.SetUploadFiles(chromedp.CSS("#catalogue"), []string{filepath.Join(td, "catalogue.csv")}),
		chromedp.SetUploadFiles(chromedp.CSS("#rules"), []string{filepath.Join(td, "rules.json")}))
	p.Layout("publish form", regions)
	p.Click("publish", "#publish-button")
	want := p.Variant.Pick("已发布第 2 版，正在推送到在线终端", "Version 2 published; pushing to connected terminals")
	p.Wait("published", fmt.Sprintf(`(document.querySelector('.notice') || {}).textContent === %q`, want))
	p.Layout("published", regions)
	p.Shot("published")
	p.Do("terminals", chromedp.Navigate(base+"/console/terminals"))
	p.WaitReloading("T001 on rules version 2", `(document.querySelector('tr[data-terminal="T001"] .rules-version') || {}).textContent === '2'`)
}

func hasSeq(rows []listRow, seq uint64) bool {
	return slices.ContainsFunc(rows, func(r listRow) bool { return r.Seq == fmt.Sprint(seq) })
}

// checkFlaggedList checks the flagged-only list holds the two suspect
// charges with their codes, and nothing unflagged.
func checkFlaggedList(t *testing.T, v browsertest.Variant, rows []listRow, clean, forbidden, split agent.Charge) {
	t.Helper()
	for _, r := range rows {
		if !r.Flagged {
			t.Errorf("row seq %s in the flagged list is not highlighted", r.Seq)
		}
	}
	if hasSeq(rows, clean.Seq) {
		t.Errorf("the ordinary sale (seq %d) is in the flagged list", clean.Seq)
	}
	for _, want := range []struct {
		seq  uint64
		code string
	}{{forbidden.Seq, "ITEM_FORBIDDEN"}, {split.Seq, "SPLIT_DAILY_COUNT"}} {
		i := slices.IndexFunc(rows, func(r listRow) bool { return r.Seq == fmt.Sprint(want.seq) })
		if i < 0 {
			t.Errorf("charge seq %d is not in the flagged list", want.seq)
			continue
		}
		j := slices.Index(rows[i].Codes, want.code)
		if j < 0 || rows[i].Kind != v.Pick("收费", "Charge") {
			t.Errorf("row seq %d: kind %q codes %v, want a charge with %s", want.seq, rows[i].Kind, rows[i].Codes, want.code)
			continue
		}
		if hover := rows[i].Hover[j]; !strings.Contains(hover, v.Pick("拦截", "block")) {
			t.Errorf("row seq %d: %s hover %q, want its severity and message", want.seq, want.code, hover)
		}
	}
}
