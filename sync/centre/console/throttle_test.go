package console_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/centretest"
)

// TestThrottledConsoleLoginSaysSoInBothLanguages: after five wrong
// passwords the login form says, in the page's language, that there were
// too many failed attempts (429, Retry-After), and no session starts
// even with the right password until the back-off has passed.
func TestThrottledConsoleLoginSaysSoInBothLanguages(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	b := newBrowser(t, c.URL())
	for i := range 5 {
		if resp, _ := b.login(centretest.SupervisorName, "wrong-password"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	resp, page := b.login(centretest.SupervisorName, centretest.SupervisorPassword)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" ||
		sessionCookieSet(resp) != nil {
		t.Fatalf("throttled login: %d, Retry-After %q, session %v; want 429, 1 and none",
			resp.StatusCode, resp.Header.Get("Retry-After"), sessionCookieSet(resp))
	}
	if !strings.Contains(page, "登录失败次数过多，请稍后再试") || strings.Contains(page, "用户名或密码错误") ||
		!strings.Contains(page, `name="password"`) {
		t.Fatalf("throttled login page, Chinese:\n%s", page)
	}
	if r, _ := b.get("/console/login?lang=en"); r.StatusCode != http.StatusOK {
		t.Fatalf("login form in English: %d", r.StatusCode)
	}
	resp, page = b.login(centretest.SupervisorName, centretest.SupervisorPassword)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, "Too many failed login attempts; please try again later") {
		t.Fatalf("throttled login page, English: %d\n%s", resp.StatusCode, page)
	}
	c.Clock.Advance(time.Second)
	b.mustLogin(centretest.SupervisorName, centretest.SupervisorPassword)
}
