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
	"posagent/reader"
)

// page drives the cashier page in one browser tab, the way a cashier does:
// clicks and keys on controls it has checked a person can see and reach.
// Every failure leaves a screenshot behind.
type page struct{ *browsertest.Tab }

// panels are the boxes of the cashier page that must sit side by side,
// neither overlapping nor spilling, at every screen size.
const panels = ".top > *, #error, main .panel"

// shown is a JavaScript test that an element exists and is rendered (the
// hidden attribute can lose to a stylesheet; this cannot be fooled).
func shown(sel string) string {
	return fmt.Sprintf(`((e) => !!e && e.getClientRects().length > 0)(document.querySelector(%s))`, jsString(sel))
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
	p.Type("scan "+barcode, row+".f-barcode", barcode+"\r")
	p.Wait("name of "+barcode, fmt.Sprintf(`document.querySelector(%q).textContent.includes(%s)`, row+".f-name", jsString(wantName)))
	p.Type("quantity of "+barcode, row+".f-qty", qty)
	p.Type("price of "+barcode, row+".f-price", price)
	if rx != "" {
		p.Type("prescription of "+barcode, row+".f-rx_id", rx)
	}
}

// switchLanguage clicks the page's language toggle and waits for the page
// in lang.
func (p *page) switchLanguage(lang string) {
	p.T.Helper()
	p.Click("switch to "+lang, "#lang-toggle")
	p.Wait("page in "+lang, fmt.Sprintf(`document.documentElement.lang === %s && document.body.dataset.ready === '1'`, jsString(lang)))
}

// TestCashierPageSellsInABrowser sells, refuses, charges and voids through
// the cashier page at each screen size and in each language, checking at
// every step that the controls a cashier uses are in plain view.
func TestCashierPageSellsInABrowser(t *testing.T) {
	browsertest.RunVariants(t, "cashier", sellAndVoid)
}

func sellAndVoid(t *testing.T, tab *browsertest.Tab) {
	ctx := t.Context()
	v := tab.Variant
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	clk := demo.ClockAt(loc, 10)
	env, err := demo.Start(ctx, demo.Options{Dir: t.TempDir(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	if err := env.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	p := &page{tab}
	p.Container = ".panel, .top"
	p.Detail = func() string { return fmt.Sprintf("page error box: %q", p.TextNow("#error")) }
	base := "http://" + env.Agent.Addr()

	// The operator's shortcut: the token is swapped for a cookie and leaves
	// the address bar; no script can read the cookie.
	p.Do("login", chromedp.Navigate(base+"/cashier/login?token="+demo.APIToken))
	p.Wait("page ready", `document.body.dataset.ready === '1' && document.documentElement.lang === 'zh-CN'`)
	if here := p.EvalString(`location.href`); here != base+"/cashier/" {
		t.Errorf("after login the address is %q, want %q", here, base+"/cashier/")
	}
	if c := p.EvalString(`document.cookie`); strings.Contains(c, "posagent_cashier") {
		t.Errorf("the session cookie is readable by scripts: %q", c)
	}
	if v.English() {
		p.switchLanguage("en")
	}
	p.Wait("no card yet", shown("#no-card")+" && !"+shown("#card"))
	if title, want := p.EvalString(`document.title`), v.Pick("医保个人账户收银台", "Insurance account cashier"); title != want {
		t.Errorf("title %q, want %q", title, want)
	}
	p.Wait("centre connected", fmt.Sprintf(`document.querySelector('#st-centre').textContent === %s`, jsString(v.Pick("已联网", "connected"))))
	p.Type("cashier id", "#cashier", "C01")
	p.Layout("logged in", panels)
	p.Shot("logged-in")

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
	p.Visible("card number", "#card-no")
	p.Shot("card")

	// A covered drug and a forbidden health food.
	p.enterLine(1, "6901234500011", "二甲双胍片", "1", "23.80", "RX-1")
	p.Click("add line", "#add-line")
	p.enterLine(2, "6901234500158", "蛋白粉", "1", "168.00", "")
	p.Click("quote", "#quote-btn")
	forbidden := `#q-lines tr[data-line="2"] li[data-code="ITEM_FORBIDDEN"]`
	p.Wait("forbidden item refused", fmt.Sprintf(`!!document.querySelector(%q)`, forbidden))
	forbiddenText := v.Pick("保健品、化妆品、日用品等不能使用医保个人账户支付", "Health food, cosmetics and daily goods cannot be paid from the insurance account")
	if got := p.Text(forbidden); !strings.Contains(got, forbiddenText) || !strings.Contains(got, v.Pick("拒付", "blocked")) {
		t.Errorf("forbidden reason shows %q, want %q", got, forbiddenText)
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
	p.Layout("quote", panels)
	p.Shot("quote-forbidden")

	// Test strips ×3 push the account part over id_check_amount (200 yuan).
	p.Click("add line", "#add-line")
	p.enterLine(3, "6901234500134", "血糖试纸", "3", "79.00", "")
	p.Click("quote again", "#quote-btn")
	p.Wait("identity check asked", `!!document.querySelector('#confirm-ID_CHECK_REQUIRED')`)
	if lbl, want := p.Text(`label.confirm[data-code="ID_CHECK_REQUIRED"]`), v.Pick("已核对身份证件", "I have checked the holder's ID"); !strings.Contains(lbl, want) {
		t.Errorf("confirmation label %q, want %q", lbl, want)
	}
	if acc, cash := p.Text("#q-account"), p.Text("#q-cash"); acc != "¥213.40" || cash != "¥215.40" {
		t.Errorf("totals account %s cash %s, want ¥213.40 and ¥215.40", acc, cash)
	}
	p.Visible("account total", "#q-account")
	p.Layout("quote with a confirmation", panels)
	p.Shot("quote-id-check")

	// Charging without the confirmation is refused and says why.
	p.Click("charge unconfirmed", "#charge-btn")
	p.Wait("refusal shown", `document.querySelector('#error').dataset.code === 'CONFIRM_REQUIRED'`)
	if msg, want := p.Text("#error"), v.Pick("收银员须先确认所列核查事项才能扣款", "The cashier must confirm the listed checks before charging"); !strings.Contains(msg, want) {
		t.Errorf("refusal message %q, want %q", msg, want)
	}
	if p.EvalString(`String(document.querySelector('label.confirm[data-code="ID_CHECK_REQUIRED"]').classList.contains('missing'))`) != "true" {
		t.Error("the unticked confirmation is not marked")
	}
	p.Visible("refusal", "#error")
	p.Layout("refused", panels)
	p.Shot("charge-refused")
	if txns, err := env.POS.Transactions(ctx, "", ""); err != nil || countKind(txns, "charge") != 0 {
		t.Fatalf("after the refusal the journal holds %d charges (%v), want 0", countKind(txns, "charge"), err)
	}

	// Ticked, the charge goes through and the receipt shows.
	p.Click("tick the identity check", "#confirm-ID_CHECK_REQUIRED")
	p.Click("charge", "#charge-btn")
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
	if got, want := p.Text("#r-settled"), v.Pick("中心已确认", "confirmed by the centre"); got != want {
		t.Errorf("settled shows %q, want %q", got, want)
	}
	if p.EvalString("String("+shown("#error")+")") != "false" {
		t.Errorf("error still shown after the charge: %q", p.Text("#error"))
	}
	row := fmt.Sprintf(`tr[data-txn=%s]`, jsString(txnID))
	p.Wait("today's list", fmt.Sprintf(`!!document.querySelector(%q)`, row+" .void-btn"))
	p.Visible("receipt's transaction id", "#r-txn")
	p.Visible("print button", "#print-btn")
	p.Layout("receipt", panels)
	p.Shot("receipt")
	txns, err := env.POS.Transactions(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	charged := findTxn(txns, txnID)
	if charged == nil || charged.Kind != "charge" || charged.Account != 21340 || charged.Cashier != "C01" {
		t.Fatalf("the POS API's journal has %+v for %s", charged, txnID)
	}

	// The other language shows the same sale, every message in it; then
	// back.
	other := browsertest.Variant{Lang: v.Pick("en", "zh")}
	p.switchLanguage(v.Pick("en", "zh-CN"))
	if got, want := p.Text(forbidden), other.Pick("保健品、化妆品、日用品等不能使用医保个人账户支付", "Health food, cosmetics and daily goods cannot be paid from the insurance account"); !strings.Contains(got, want) {
		t.Errorf("forbidden reason after the switch shows %q, want %q", got, want)
	}
	if got, want := p.Text(`#r-reasons li[data-code="ID_CHECK_REQUIRED"]`), other.Pick("请核对持卡人身份证件", "Check the holder's ID"); !strings.Contains(got, want) {
		t.Errorf("receipt reason after the switch shows %q, want %q", got, want)
	}
	if got := p.Text("#r-txn"); got != txnID {
		t.Errorf("receipt after the switch shows %q, want %q", got, txnID)
	}
	if got, want := p.Text("#r-settled"), other.Pick("中心已确认", "confirmed by the centre"); got != want {
		t.Errorf("settled after the switch %q, want %q", got, want)
	}
	p.Layout("receipt after the switch", panels)
	p.Shot("receipt-" + other.Lang)
	p.switchLanguage(v.Pick("zh-CN", "en"))

	// Void today's charge from the list.
	p.Click("open void", row+" .void-btn")
	p.Type("void reason", row+" + tr.void-form .void-reason", "customer returned the strips")
	p.Layout("void form", panels)
	p.Shot("void-form")
	p.Click("void", row+" + tr.void-form .void-confirm")
	p.Wait("voided", fmt.Sprintf(`!!document.querySelector('tr.voided[data-txn=%s]')`, jsString(txnID)))
	p.Wait("receipt marked voided", shown("#r-voided"))
	if got, want := p.Text(row+" .voided-badge"), v.Pick("已撤销", "Voided"); got != want {
		t.Errorf("voided badge %q, want %q", got, want)
	}
	p.Visible("voided badge", row+" .voided-badge")
	p.Layout("voided", panels)
	p.Shot("voided")
	txns, err = env.POS.Transactions(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if v := findVoidOf(txns, txnID); v == nil || v.Account != 21340 || v.Cashier != "C01" {
		t.Errorf("no void of %s in the journal: %+v", txnID, txns)
	}

	// The card leaves: the page sees it, and a quote is refused.
	if err := env.RemoveCard(); err != nil {
		t.Fatal(err)
	}
	p.Wait("card gone", "!"+shown("#card")+" && "+shown("#no-card"))
	p.Click("quote without a card", "#quote-btn")
	p.Wait("no-card error", `document.querySelector('#error').dataset.code === 'NO_CARD'`)
	if msg, want := p.Text("#error"), v.Pick("读卡器中没有医保卡", "No insurance card in the reader"); !strings.Contains(msg, want) {
		t.Errorf("no-card message %q, want %q", msg, want)
	}
	p.Layout("no card", panels)
	p.Shot("no-card")

	// The customer shows an e-voucher instead: the card from it says so.
	token, _, err := env.IssueVoucher(ctx, "A00000001")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Scan(ctx, token); err != nil {
		t.Fatal(err)
	}
	p.Wait("voucher card shown", shown("#card")+` && document.querySelector('#card-no').textContent === 'A00000001'`)
	if src, want := p.Text("#card-source"), v.Pick("医保电子凭证", "e-voucher"); src != want {
		t.Errorf("card source %q, want %q", src, want)
	}
	p.Shot("voucher-card")
	// The same code again (past the scanner's debounce) is refused, and
	// the page says why.
	clk.Advance(reader.DefaultDebounce)
	if err := env.Scan(ctx, token); err != nil {
		t.Fatal(err)
	}
	p.Wait("used voucher refused", `document.querySelector('#error').dataset.code === 'VOUCHER_USED'`)
	if msg, want := p.Text("#error"), v.Pick("该医保电子凭证已使用", "already been used"); !strings.Contains(msg, want) {
		t.Errorf("used-voucher message %q, want %q", msg, want)
	}
	p.Layout("voucher refused", panels)
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
