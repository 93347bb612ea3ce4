package console_test

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/centretest"
	"posagent/sync/centre/console"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

func TestConsoleLoginWithWrongPasswordSetsNoCookie(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	for _, tc := range []struct{ name, password string }{
		{"sup", "wrong-password"}, {"nobody", "sup-password"}, {"", ""},
	} {
		b := newBrowser(t, c.URL())
		resp, page := b.login(tc.name, tc.password)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("login %q/%q: status %d, want 401", tc.name, tc.password, resp.StatusCode)
		}
		if got := resp.Header.Values("Set-Cookie"); len(got) != 0 {
			t.Fatalf("login %q/%q set cookies %q, want none", tc.name, tc.password, got)
		}
		if !strings.Contains(page, "用户名或密码错误") || !strings.Contains(page, `name="password"`) {
			t.Fatalf("login %q: want the form again with the error, got:\n%s", tc.name, page)
		}
		if r, _ := b.get("/console/"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("after a failed login the list answered %d, want a redirect", r.StatusCode)
		}
	}
	if n := console.SessionCount(c.Service.Console()); n != 0 {
		t.Fatalf("%d sessions after failed logins, want 0", n)
	}
}

func TestConsoleWithoutSessionRedirectsToLogin(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	b := newBrowser(t, c.URL())
	for _, path := range []string{"/console/", "/console/terminals", "/console/txn/T1/1", "/console/publish",
		"/console/?flagged=1&terminal=T1"} {
		resp, _ := b.get(path)
		expectLoginRedirect(t, "GET "+path, resp)
		if want := "/console/login?next=" + url.QueryEscape(path); resp.Header.Get("Location") != want {
			t.Errorf("GET %s: location %q, want %q", path, resp.Header.Get("Location"), want)
		}
	}
	resp, _ := b.post("/console/publish", url.Values{"csrf": {"x"}})
	expectLoginRedirect(t, "POST /console/publish", resp)
	// A made-up session id is no session.
	u, _ := url.Parse(c.URL())
	b.hc.Jar.SetCookies(u, []*http.Cookie{{Name: console.SessionCookie, Value: strings.Repeat("ab", 32), Path: "/console/"}})
	resp, _ = b.get("/console/")
	expectLoginRedirect(t, "GET with a forged session", resp)
	if ck := sessionCookieSet(resp); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("a stale session cookie is not deleted: %+v", ck)
	}
}

func TestConsoleLoginStartsSessionAndReturnsToThePage(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	b := newBrowser(t, c.URL())
	_, form := b.get("/console/login?next=" + url.QueryEscape("/console/terminals?lang=en"))
	if !strings.Contains(form, `value="/console/terminals?lang=en"`) {
		t.Fatalf("login form does not carry next:\n%s", form)
	}
	resp, _ := b.post("/console/login", url.Values{"csrf": {csrfOf(t, form)}, "name": {"sup"},
		"password": {"sup-password"}, "next": {"/console/terminals?lang=en"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/terminals?lang=en" {
		t.Fatalf("login: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	ck := sessionCookieSet(resp)
	if ck == nil || len(ck.Value) != 64 || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode ||
		ck.Path != "/console/" || ck.Secure {
		t.Fatalf("session cookie %+v: want 64 hex chars, HttpOnly, SameSite=Strict, Path /console/, not Secure over plain HTTP", ck)
	}
	resp, page := b.get("/console/terminals")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "sup · 稽核员") {
		t.Fatalf("terminals page after login: status %d:\n%s", resp.StatusCode, page)
	}
	// Logged in, the login page sends the user on.
	if resp, _ := b.get("/console/login"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("login page while logged in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestConsoleSessionCookieIsSecureOverTLS(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	ts := httptest.NewTLSServer(c.Service.Handler())
	t.Cleanup(ts.Close)
	b := newBrowser(t, ts.URL)
	b.hc.Transport = ts.Client().Transport
	resp, _ := b.login("sup", "sup-password")
	if ck := sessionCookieSet(resp); resp.StatusCode != http.StatusSeeOther || ck == nil || !ck.Secure || !ck.HttpOnly {
		t.Fatalf("login over TLS: status %d, session cookie %+v; want 303 and a Secure, HttpOnly cookie", resp.StatusCode, ck)
	}
	if resp, _ := b.get("/console/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("list over TLS after login: %d", resp.StatusCode)
	}
}

func TestConsoleLoginNeedsTheFormToken(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	b := newBrowser(t, c.URL())
	// A POST from another site's page: no token cookie, no token.
	resp, _ := b.post("/console/login", url.Values{"name": {"sup"}, "password": {"sup-password"}})
	if resp.StatusCode != http.StatusForbidden || sessionCookieSet(resp) != nil {
		t.Fatalf("login without token: status %d, session cookie %v; want 403 and none", resp.StatusCode, sessionCookieSet(resp))
	}
	// The cookie's token, but another in the form.
	_, _ = b.get("/console/login")
	resp, _ = b.post("/console/login", url.Values{"csrf": {strings.Repeat("0", 64)}, "name": {"sup"}, "password": {"sup-password"}})
	if resp.StatusCode != http.StatusForbidden || sessionCookieSet(resp) != nil {
		t.Fatalf("login with a wrong token: status %d", resp.StatusCode)
	}
	b.mustLogin("sup", "sup-password") // the form's own token works
}

func TestConsoleSupervisorCannotPublish(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	b := newBrowser(t, c.URL())
	b.mustLogin("sup", "sup-password")
	token := b.token()
	_, list := b.get("/console/")
	if strings.Contains(list, `href="/console/publish"`) {
		t.Error("a supervisor's menu offers publishing")
	}
	if resp, page := b.get("/console/publish"); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "只有管理员可以发布规则") {
		t.Fatalf("supervisor GET publish: status %d, want 403:\n%s", resp.StatusCode, page)
	}
	resp, _ := b.publish(token, centretest.Catalogue, centretest.Rules)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("supervisor POST publish: status %d, want 403", resp.StatusCode)
	}
	if _, err := c.Store().LatestSigned(context.Background(), wire.KindBundle); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a supervisor's publish stored a bundle (err %v)", err)
	}
}

func TestConsoleAdminPublishes(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	b := newBrowser(t, c.URL())
	b.mustLogin("adm", "adm-password")
	resp, page := b.get("/console/publish")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "中心尚未发布规则") {
		t.Fatalf("publish form: %d\n%s", resp.StatusCode, page)
	}
	resp, page = b.publish(csrfOf(t, page), centretest.Catalogue, centretest.Rules)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/publish?published=1" {
		t.Fatalf("publish: status %d location %q:\n%s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	if _, page = b.get(resp.Header.Get("Location")); !strings.Contains(page, "已发布第 1 版") || !strings.Contains(page, "中心最新规则版本：1") {
		t.Fatalf("page after publishing:\n%s", page)
	}
	doc, err := c.Store().LatestSigned(context.Background(), wire.KindBundle)
	if err != nil || doc.Version != 1 {
		t.Fatalf("stored bundle %d, %v; want version 1", doc.Version, err)
	}
	// A bad rules file is refused with the parser's reason; nothing is signed.
	resp, page = b.publish(b.token(), centretest.Catalogue, `{"daily_count": "three"}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "未发布") {
		t.Fatalf("bad rules: status %d:\n%s", resp.StatusCode, page)
	}
	if doc, _ := c.Store().LatestSigned(context.Background(), wire.KindBundle); doc.Version != 1 {
		t.Fatalf("a refused publish stored version %d", doc.Version)
	}
}

func TestConsolePostsNeedTheSessionToken(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	b := newBrowser(t, c.URL())
	b.mustLogin("adm", "adm-password")
	token := b.token()
	other := newBrowser(t, c.URL())
	other.mustLogin("adm", "adm-password")
	for _, bad := range []string{"", strings.Repeat("0", 64), other.token()} {
		resp, page := b.publish(bad, centretest.Catalogue, centretest.Rules)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "表单已过期") {
			t.Fatalf("publish with token %q: status %d, want 403", bad, resp.StatusCode)
		}
		if resp, _ := b.post("/console/logout", url.Values{"csrf": {bad}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("logout with token %q: status %d, want 403", bad, resp.StatusCode)
		}
	}
	if _, err := c.Store().LatestSigned(context.Background(), wire.KindBundle); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a POST without the session's token published")
	}
	if resp, _ := b.get("/console/"); resp.StatusCode != http.StatusOK {
		t.Fatal("a refused logout ended the session")
	}
	resp, _ := b.post("/console/logout", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := b.get("/console/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("the session lives on after logout")
	}
	if resp, _ := other.get("/console/"); resp.StatusCode != http.StatusOK {
		t.Fatal("logging one browser out ended another's session")
	}
}

func TestConsoleSessionsExpire(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	clock := c.Clock // moves only when told
	b := newBrowser(t, c.URL())
	b.mustLogin("sup", "sup-password")
	// Used every 29 minutes, it lives until 8 hours after login.
	for elapsed := time.Duration(0); elapsed+29*time.Minute < console.SessionMax; elapsed += 29 * time.Minute {
		clock.Advance(29 * time.Minute)
		if resp, _ := b.get("/console/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("session ended after %v of steady use", elapsed+29*time.Minute)
		}
	}
	clock.Advance(29 * time.Minute)
	resp, _ := b.get("/console/")
	expectLoginRedirect(t, "after 8 hours", resp)

	b.mustLogin("sup", "sup-password")
	clock.Advance(console.SessionIdle + time.Second)
	resp, _ = b.get("/console/")
	expectLoginRedirect(t, "after 30 idle minutes", resp)
}

func TestConsoleSessionEndsWhenTheUserChanges(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	b := newBrowser(t, c.URL())
	b.mustLogin("adm", "adm-password")
	c.AddUser("adm", store.RoleAdmin, "new-password")
	resp, _ := b.get("/console/")
	expectLoginRedirect(t, "after a password change", resp)

	b.mustLogin("adm", "new-password")
	c.AddUser("adm", store.RoleSupervisor, "new-password")
	resp, _ = b.get("/console/publish")
	expectLoginRedirect(t, "after demotion", resp)
}

// publish posts the publish form as a browser would.
func (b *browser) publish(token, catalogue, rules string) (*http.Response, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", token)
	for field, content := range map[string]string{"catalogue": catalogue, "rules": rules} {
		fw, err := mw.CreateFormFile(field, field+".txt")
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = fw.Write([]byte(content))
	}
	_ = mw.Close()
	req, err := http.NewRequest("POST", b.base+"/console/publish", &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}
