package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
)

// Two supervisors rule in the console: the first's refusal above the
// second-review amount waits; the page tells its author it needs someone
// else and offers no form; a POST of the author's own confirm is refused
// with the catalogue's text; the second confirms; the history shows both,
// in Chinese and in English. A refusal without a note is refused, the
// form showing again.
func TestConsoleRulings(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true})
	c.Users()
	c.AddUser("li", store.RoleSupervisor, "li-password-long")
	at := c.Now().Add(-time.Hour)
	powder := centretest.AccountLine("D0015", "6901234500158", 3, 19800) // 59400, health food: held whole
	got := c.Rogue("T1", "P001").Send(centretest.AccountCharge("A00000001", at, powder))
	if got[0].Hold != store.HoldHeld {
		t.Fatalf("charge %+v: want it held", got[0])
	}
	before := c.AccountBalance("A00000001")

	sup := newBrowser(t, c.URL())
	sup.mustLogin(centretest.SupervisorName, centretest.SupervisorPassword)
	resp, page := sup.get("/console/txn/T1/1")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="rule"`) || !strings.Contains(page, `id="no-rulings"`) ||
		!strings.Contains(page, `value="refuse"`) || strings.Contains(page, `value="confirm"`) {
		t.Fatalf("record page: %d\n%s", resp.StatusCode, page)
	}
	token := csrfOf(t, page)

	// No note: refused, nothing changes, the form is back.
	resp, page = sup.post("/console/txn/T1/1/rule", url.Values{"csrf": {token}, "ruling": {"refuse"}, "note": {" "}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "拒付和缓付须填写说明") || !strings.Contains(page, `id="rule"`) {
		t.Fatalf("refusal without a note: %d\n%s", resp.StatusCode, page)
	}
	// Without the CSRF token: forbidden.
	if resp, _ := sup.post("/console/txn/T1/1/rule", url.Values{"ruling": {"accept"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("ruling without a token: %d", resp.StatusCode)
	}

	resp, _ = sup.post("/console/txn/T1/1/rule", url.Values{"csrf": {token}, "ruling": {"refuse"}, "note": {"拆单 <b>"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("refuse: %d", resp.StatusCode)
	}
	resp, page = sup.get(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "拒付已记录，须另一位稽核员确认后生效") ||
		!strings.Contains(page, `id="pending-mine"`) || strings.Contains(page, `id="rule"`) ||
		!strings.Contains(page, "拆单 &lt;b&gt;") || !strings.Contains(page, "拒付待复核") {
		t.Fatalf("after the refusal: %d\n%s", resp.StatusCode, page)
	}
	// The author posts a confirm anyway: refused, in the catalogue's words.
	resp, page = sup.post("/console/txn/T1/1/rule", url.Values{"csrf": {token}, "ruling": {"confirm"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "不能确认或改判自己提出的拒付") {
		t.Fatalf("confirming one's own refusal: %d\n%s", resp.StatusCode, page)
	}

	li := newBrowser(t, c.URL())
	li.mustLogin("li", "li-password-long")
	resp, page = li.get("/console/txn/T1/1?lang=en")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `value="confirm"`) || strings.Contains(page, `value="refuse"`) ||
		!strings.Contains(page, "made by: "+centretest.SupervisorName) {
		t.Fatalf("the second supervisor's page: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = li.post("/console/txn/T1/1/rule", url.Values{"csrf": {csrfOf(t, page)}, "ruling": {"confirm"}, "note": {"同意"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
	resp, page = li.get(resp.Header.Get("Location") + "&lang=en")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Ruled: refused") || strings.Contains(page, `id="rule"`) ||
		strings.Count(page, "<tr><td title=") != 2 || !strings.Contains(page, "confirm the refusal") {
		t.Fatalf("after the confirmation: %d\n%s", resp.StatusCode, page)
	}
	if b := c.AccountBalance("A00000001"); b != before {
		t.Fatalf("balance %d after a refusal, want %d", b, before)
	}
	// Ruled already: a late POST says so.
	resp, page = sup.post("/console/txn/T1/1/rule", url.Values{"csrf": {token}, "ruling": {"accept"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "该交易没有待审定的暂缓支付金额") {
		t.Fatalf("a late ruling: %d\n%s", resp.StatusCode, page)
	}
}
