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
// clicking, following links. Every failure leaves a screenshot behind.
type tab struct{ *browsertest.Tab }

// text is an element's text, trimmed.
func (p *tab) text(sel string) string {
	p.T.Helper()
	return strings.TrimSpace(p.Text(sel))
}

func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible)
}

func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)
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

func TestConsoleInABrowser(t *testing.T) {
	browser := browsertest.New(t) // skips early when there is no Chromium
	ctx := t.Context()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	env, err := demo.Start(ctx, demo.Options{Dir: t.TempDir(), Now: demo.DayClock(loc, 10),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	if err := env.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	clean, forbidden, split := daySales(t, ctx, env)
	p := &tab{&browsertest.Tab{T: t, Ctx: browser, Shots: browsertest.NewShots(t, "console")}}
	base := env.CentreURL()

	// Not logged in, the console sends the browser to the login form.
	p.Do("open console", chromedp.Navigate(base+"/console/?flagged=1"))
	p.Wait("login form", `location.pathname === '/console/login' && !!document.querySelector('#password')`)
	p.Shots.Take(t, browser, "login")
	p.Do("log in", typeInto("#name", demo.SupervisorName), typeInto("#password", demo.SupervisorPassword), click("#login"))
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
	p.Do("flagged only", click("#flagged"), click("#apply-filters"))
	p.Wait("flagged list", `location.search.includes('flagged=1') && !!document.querySelector('#txns')`)
	var flagged []listRow
	p.EvalJSON(readRows, &flagged)
	p.Shots.Take(t, browser, "flagged-only")
	checkFlaggedList(t, flagged, clean, forbidden, split)

	// The forbidden sale's detail page shows the evidence.
	p.Do("open detail", click(fmt.Sprintf(`#txns tr[data-seq="%d"] a.detail`, forbidden.Seq)))
	p.Wait("detail page", `!!document.querySelector('#reason-ITEM_FORBIDDEN')`)
	if ev := p.text("#reason-ITEM_FORBIDDEN table.evidence"); !strings.Contains(ev, "health_food") || !strings.Contains(ev, demo.ProteinPower.Code) {
		t.Errorf("ITEM_FORBIDDEN evidence %q, want the category and the item code", ev)
	}
	if msg := p.text(`#reason-ITEM_FORBIDDEN p[lang="zh-CN"]`); !strings.Contains(msg, "保健品") {
		t.Errorf("ITEM_FORBIDDEN message %q", msg)
	}
	p.Shots.Take(t, browser, "detail-forbidden")

	// The terminals page shows T001 running rules version 1, connected.
	p.Do("terminals", click(`nav a[href="/console/terminals"]`))
	p.Wait("terminals page", `!!document.querySelector('#terminals tr[data-terminal="T001"]')`)
	if v := p.text(`tr[data-terminal="T001"] .rules-version`); v != "1" {
		t.Errorf("T001 rules version %q, want 1", v)
	}
	if c := p.text(`tr[data-terminal="T001"] td.yes`); c != "在线" {
		t.Errorf("T001 connected cell %q, want 在线", c)
	}
	p.Shots.Take(t, browser, "terminals")

	// In English, and a supervisor is offered no publishing.
	p.Do("english", click("#lang-switch"))
	p.Wait("english page", `document.documentElement.lang === 'en' && !!document.querySelector('#terminals')`)
	if h := p.text("h1"); h != "Terminals" {
		t.Errorf("English heading %q", h)
	}
	if n := p.text(`nav a[href="/console/publish"]`); n != "" {
		t.Errorf("a supervisor sees a publish link %q", n)
	}
	p.Shots.Take(t, browser, "terminals-english")
	p.Do("log out", click("#logout"))
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
	p.Do("admin login", typeInto("#name", demo.AdminName), typeInto("#password", demo.AdminPassword), click("#login"))
	p.Wait("list", `location.pathname === '/console/' && !!document.querySelector('nav a[href="/console/publish"]')`)
	p.Do("publish form", click(`nav a[href="/console/publish"]`))
	p.Wait("form", `!!document.querySelector('#publish')`)
	p.Do("choose files",
		chromedp.SetUploadFiles(chromedp.CSS("#catalogue"), []string{filepath.Join(td, "catalogue.csv")}),
		chromedp.SetUploadFiles(chromedp.CSS("#rules"), []string{filepath.Join(td, "rules.json")}),
		click("#publish-button"))
	p.Wait("published", `(document.querySelector('.notice') || {}).textContent === 'Version 2 published; pushing to connected terminals'`)
	p.Shots.Take(t, p.Ctx, "published")
	for range 50 {
		p.Do("terminals", chromedp.Navigate(base+"/console/terminals"))
		p.Wait("terminals", `!!document.querySelector('#terminals')`)
		if p.text(`tr[data-terminal="T001"] .rules-version`) == "2" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("T001 does not report rules version 2 after the publish: %q", p.text(`tr[data-terminal="T001"] .rules-version`))
}

func hasSeq(rows []listRow, seq uint64) bool {
	return slices.ContainsFunc(rows, func(r listRow) bool { return r.Seq == fmt.Sprint(seq) })
}

// checkFlaggedList checks the flagged-only list holds the two suspect
// charges with their codes, and nothing unflagged.
func checkFlaggedList(t *testing.T, rows []listRow, clean, forbidden, split agent.Charge) {
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
		if j < 0 || rows[i].Kind != "收费" {
			t.Errorf("row seq %d: kind %q codes %v, want a charge with %s", want.seq, rows[i].Kind, rows[i].Codes, want.code)
			continue
		}
		if hover := rows[i].Hover[j]; !strings.Contains(hover, "拦截") {
			t.Errorf("row seq %d: %s hover %q, want its severity and message", want.seq, want.code, hover)
		}
	}
}
