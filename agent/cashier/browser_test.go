package cashier_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"posagent/agent"
	"posagent/internal/browsertest"
	"posagent/internal/demo"
)

// page drives the cashier page in one browser tab, the way a cashier does:
// clicks and keys. Every failure leaves a screenshot behind.
type page struct{ *browsertest.Tab }

// typeInto clicks a field, selects what it holds and types over it.
func typeInto(sel, keys string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent(keys),
	)
}

// shown is a JavaScript test that an element exists and is rendered (the
// hidden attribute can lose to a stylesheet; this cannot be fooled).
func shown(sel string) string {
	return fmt.Sprintf(`((e) => !!e && e.getClientRects().length > 0)(document.querySelector(%s))`, jsString(sel))
}

func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// enterLine fills cart row n (1-based) by scanning the barcode and typing
// the rest, and waits for the catalogue name to appear.
func (p *page) enterLine(n int, barcode, wantName, qty, price, rx string) {
	p.T.Helper()
	row := fmt.Sprintf("#cart tbody tr:nth-child(%d) ", n)
	p.Do("scan "+barcode, typeInto(row+".f-barcode", barcode+"\r"))
	p.Wait("name of "+barcode, fmt.Sprintf(`document.querySelector(%q).textContent.includes(%s)`, row+".f-name", jsString(wantName)))
	steps := []chromedp.Action[chromedp.Void]{typeInto(row+".f-qty", qty), typeInto(row+".f-price", price)}
	if rx != "" {
		steps = append(steps, typeInto(row+".f-rx_id", rx))
	}
	p.Do("type line "+barcode, steps...)
}

func TestCashierPageSellsInABrowser(t *testing.T) {
	tab := browsertest.New(t) // skips early when there is no Chromium
	ctx := t.Context()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	env, err := demo.Start(ctx, demo.Options{Dir: t.TempDir(), Now: demo.DayClock(loc, 10)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	if err := env.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	p := &page{&browsertest.Tab{T: t, Ctx: tab, Shots: browsertest.NewShots(t, "cashier")}}
	p.Detail = func() string { return fmt.Sprintf("page error box: %q", p.TextNow("#error")) }
	base := "http://" + env.Agent.Addr()

	// The operator's shortcut: the token is swapped for a cookie and leaves
	// the address bar; no script can read the cookie.
	p.Do("login", chromedp.Navigate(base+"/cashier/login?token="+demo.APIToken))
	p.Wait("page ready", `document.body.dataset.ready === '1'`)
	p.Wait("no card yet", shown("#no-card")+" && !"+shown("#card"))
	if here := p.EvalString(`location.href`); here != base+"/cashier/" {
		t.Errorf("after login the address is %q, want %q", here, base+"/cashier/")
	}
	if c := p.EvalString(`document.cookie`); strings.Contains(c, "posagent_cashier") {
		t.Errorf("the session cookie is readable by scripts: %q", c)
	}
	if title := p.EvalString(`document.title`); title != "医保个人账户收银台" {
		t.Errorf("title %q, want the Chinese title", title)
	}
	p.Wait("centre connected", `document.querySelector('#st-centre').textContent === '已联网'`)
	p.Do("cashier id", typeInto("#cashier", "C01"))
	p.Shots.Take(t, tab, "logged-in")

	// The card appears on the page when it is swiped.
	card, err := env.Card("zhang-san")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Swipe(ctx, card); err != nil {
		t.Fatal(err)
	}
	p.Wait("card shown", shown("#card")+" && !"+shown("#no-card")+` && document.querySelector('#card-name').textContent === '张三'`)
	if no := p.Text("#card-no"); no != "A00000001" {
		t.Errorf("card number on the page %q", no)
	}
	p.Shots.Take(t, tab, "card")

	// A covered drug and a forbidden health food.
	p.enterLine(1, "6901234500011", "二甲双胍片", "1", "23.80", "RX-1")
	p.Do("add line", click("#add-line"))
	p.enterLine(2, "6901234500158", "蛋白粉", "1", "168.00", "")
	p.Do("quote", click("#quote-btn"))
	forbidden := `#q-lines tr[data-line="2"] li[data-code="ITEM_FORBIDDEN"]`
	p.Wait("forbidden item refused", fmt.Sprintf(`!!document.querySelector(%q)`, forbidden))
	if got := p.Text(forbidden); !strings.Contains(got, "保健品、化妆品、日用品等不能使用医保个人账户支付") || !strings.Contains(got, "拒付") {
		t.Errorf("forbidden reason shows %q", got)
	}
	row2 := `#q-lines tr[data-line="2"] `
	if acc, cash := p.Text(row2+".q-account"), p.Text(row2+".q-cash"); acc != "¥0.00" || cash != "¥168.00" {
		t.Errorf("protein powder split %s / %s, want ¥0.00 / ¥168.00 (all cash)", acc, cash)
	}
	if acc := p.Text(`#q-lines tr[data-line="1"] .q-account`); acc != "¥23.80" {
		t.Errorf("metformin from the account %s, want ¥23.80", acc)
	}
	if p.EvalString("String("+shown("#confirms")+")") != "false" {
		t.Error("a confirmation is asked for below the identity-check amount")
	}
	p.Shots.Take(t, tab, "quote-forbidden")

	// Test strips ×3 push the account part over id_check_amount (200 yuan).
	p.Do("add line", click("#add-line"))
	p.enterLine(3, "6901234500134", "血糖试纸", "3", "79.00", "")
	p.Do("quote again", click("#quote-btn"))
	p.Wait("identity check asked", `!!document.querySelector('#confirm-ID_CHECK_REQUIRED')`)
	if lbl := p.Text(`label.confirm[data-code="ID_CHECK_REQUIRED"]`); !strings.Contains(lbl, "已核对身份证件") {
		t.Errorf("confirmation label %q", lbl)
	}
	if acc, cash := p.Text("#q-account"), p.Text("#q-cash"); acc != "¥213.40" || cash != "¥215.40" {
		t.Errorf("totals account %s cash %s, want ¥213.40 and ¥215.40", acc, cash)
	}
	p.Shots.Take(t, tab, "quote-id-check")

	// Charging without the confirmation is refused and says why.
	p.Do("charge unconfirmed", click("#charge-btn"))
	p.Wait("refusal shown", `document.querySelector('#error').dataset.code === 'CONFIRM_REQUIRED'`)
	if msg := p.Text("#error"); !strings.Contains(msg, "收银员须先确认所列核查事项才能扣款") {
		t.Errorf("refusal message %q", msg)
	}
	if p.EvalString(`String(document.querySelector('label.confirm[data-code="ID_CHECK_REQUIRED"]').classList.contains('missing'))`) != "true" {
		t.Error("the unticked confirmation is not marked")
	}
	p.Shots.Take(t, tab, "charge-refused")
	if txns, err := env.POS.Transactions(ctx, "", ""); err != nil || countKind(txns, "charge") != 0 {
		t.Fatalf("after the refusal the journal holds %d charges (%v), want 0", countKind(txns, "charge"), err)
	}

	// Ticked, the charge goes through and the receipt shows.
	p.Do("tick and charge", click("#confirm-ID_CHECK_REQUIRED"), click("#charge-btn"))
	p.Wait("receipt shown", shown("#receipt")+" && !"+shown("#charge-btn"))
	txnID := p.Text("#r-txn")
	if !regexp.MustCompile(`^T001-\d{8}-[0-9a-f]{16}$`).MatchString(txnID) {
		t.Fatalf("receipt transaction id %q", txnID)
	}
	if acc, cash := p.Text("#r-account"), p.Text("#r-cash"); acc != "¥213.40" || cash != "¥215.40" {
		t.Errorf("receipt account %s cash %s, want ¥213.40 and ¥215.40", acc, cash)
	}
	if settled := p.EvalString(`document.querySelector('#r-settled').dataset.settled`); settled != agent.SettledCentre {
		t.Errorf("receipt settled %q, want %q", settled, agent.SettledCentre)
	}
	if p.EvalString("String("+shown("#error")+")") != "false" {
		t.Errorf("error still shown after the charge: %q", p.Text("#error"))
	}
	p.Wait("today's list", fmt.Sprintf(`!!document.querySelector('tr[data-txn=%s] .void-btn')`, jsString(txnID)))
	p.Shots.Take(t, tab, "receipt")
	txns, err := env.POS.Transactions(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	charged := findTxn(txns, txnID)
	if charged == nil || charged.Kind != "charge" || charged.Account != 21340 || charged.Cashier != "C01" {
		t.Fatalf("the POS API's journal has %+v for %s", charged, txnID)
	}

	// English: the same sale, every message in English.
	p.Do("switch to English", click("#lang-toggle"))
	p.Wait("English page", `document.documentElement.lang === 'en' && document.body.dataset.ready === '1'`)
	if got := p.Text(forbidden); !strings.Contains(got, "Health food, cosmetics and daily goods cannot be paid from the insurance account") {
		t.Errorf("forbidden reason in English shows %q", got)
	}
	if got := p.Text(`#r-reasons li[data-code="ID_CHECK_REQUIRED"]`); !strings.Contains(got, "Check the holder's ID") {
		t.Errorf("receipt reason in English shows %q", got)
	}
	if got := p.Text("#r-txn"); got != txnID {
		t.Errorf("receipt after the switch shows %q, want %q", got, txnID)
	}
	if got := p.Text("#r-settled"); got != "confirmed by the centre" {
		t.Errorf("settled in English %q", got)
	}
	p.Shots.Take(t, tab, "receipt-english")

	// Void today's charge from the list.
	row := fmt.Sprintf(`tr[data-txn=%s]`, jsString(txnID))
	p.Do("open void", click(row+" .void-btn"))
	p.Do("void", typeInto(row+" + tr.void-form .void-reason", "customer returned the strips"), click(row+" + tr.void-form .void-confirm"))
	p.Wait("voided", fmt.Sprintf(`!!document.querySelector('tr.voided[data-txn=%s]')`, jsString(txnID)))
	p.Wait("receipt marked voided", shown("#r-voided"))
	if got := p.Text(row + " .voided-badge"); got != "Voided" {
		t.Errorf("voided badge %q", got)
	}
	p.Shots.Take(t, tab, "voided")
	txns, err = env.POS.Transactions(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if v := findVoidOf(txns, txnID); v == nil || v.Account != 21340 || v.Cashier != "C01" {
		t.Errorf("no void of %s in the journal: %+v", txnID, txns)
	}

	// The card leaves: the page sees it, and a quote is refused in English.
	if err := env.RemoveCard(); err != nil {
		t.Fatal(err)
	}
	p.Wait("card gone", "!"+shown("#card")+" && "+shown("#no-card"))
	p.Do("quote without a card", click("#quote-btn"))
	p.Wait("no-card error", `document.querySelector('#error').dataset.code === 'NO_CARD'`)
	if msg := p.Text("#error"); !strings.Contains(msg, "No insurance card in the reader") {
		t.Errorf("no-card message in English %q", msg)
	}
	p.Shots.Take(t, tab, "no-card-english")
}

func countKind(txns []agent.Transaction, kind string) int {
	n := 0
	for _, t := range txns {
		if t.Kind == kind {
			n++
		}
	}
	return n
}

func findTxn(txns []agent.Transaction, id string) *agent.Transaction {
	for i := range txns {
		if txns[i].TxnID == id {
			return &txns[i]
		}
	}
	return nil
}

func findVoidOf(txns []agent.Transaction, id string) *agent.Transaction {
	for i := range txns {
		if txns[i].Kind == "void" && txns[i].Reverses == id {
			return &txns[i]
		}
	}
	return nil
}
