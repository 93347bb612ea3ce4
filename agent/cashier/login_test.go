package cashier

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestLoginSetsAStrictHttpOnlySessionCookie(t *testing.T) {
	w := newWorld(t)
	c := w.client(false)
	res, _ := get(t, c, w.srv.URL+"/cashier/login?token="+testToken)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/cashier/" {
		t.Fatalf("login answered %d to %q, want 303 to /cashier/", res.StatusCode, res.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil {
		t.Fatalf("no %s cookie in %v", sessionCookie, res.Header["Set-Cookie"])
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/cashier/" {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/cashier/", session)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(session.Value) || strings.Contains(session.Value, testToken) {
		t.Errorf("session id %q is not a random 256-bit id", session.Value)
	}
	res, body := get(t, c, w.srv.URL+"/cashier/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "医保个人账户收银台") {
		t.Fatalf("page after login: %d %.200s", res.StatusCode, body)
	}
	if strings.Contains(body, testToken) {
		t.Error("the page shows the API token")
	}
}

func TestLoginWithAWrongTokenIsRefused(t *testing.T) {
	w := newWorld(t)
	for _, tok := range []string{"", "wrong", testToken[:len(testToken)-1], testToken + "x"} {
		c := w.client(false)
		res, body := get(t, c, w.srv.URL+"/cashier/login?token="+tok)
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("token %q: status %d, want 401", tok, res.StatusCode)
		}
		if len(res.Cookies()) != 0 && res.Cookies()[0].Name == sessionCookie {
			t.Errorf("token %q: a session cookie was set", tok)
		}
		if !strings.Contains(body, "登录链接无效") {
			t.Errorf("token %q: page does not say the link is invalid: %.300s", tok, body)
		}
	}
	if n := w.page.sessions.Len(); n != 0 {
		t.Errorf("%d sessions after refused logins, want 0", n)
	}
}

func TestWithoutASessionEveryEndpointAnswers401(t *testing.T) {
	w := newWorld(t)
	w.insertCard()
	anonymous := w.client(false)
	forged := w.client(false)
	u := mustParse(t, w.srv.URL+"/cashier/")
	forged.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: strings.Repeat("ab", 32), Path: "/cashier/"}})
	for _, c := range []*http.Client{anonymous, forged} {
		for _, ep := range []struct{ method, path string }{
			{"GET", "/cashier/api/status"}, {"GET", "/cashier/api/card"}, {"GET", "/cashier/api/item?code=D0001"},
			{"GET", "/cashier/api/transactions"}, {"GET", "/cashier/api/events"},
			{"POST", "/cashier/api/quote"}, {"POST", "/cashier/api/charge"}, {"POST", "/cashier/api/void"},
		} {
			var e apiError
			if st := w.call(c, ep.method, ep.path, map[string]any{}, &e, false); st != http.StatusUnauthorized || e.Code != CodeNotLoggedIn {
				t.Errorf("%s %s without a session: %d %s, want 401 %s", ep.method, ep.path, st, e.Code, CodeNotLoggedIn)
			}
			if e.MessageZh == "" || e.Message == "" {
				t.Errorf("%s %s: error without both messages: %+v", ep.method, ep.path, e)
			}
		}
		res, body := get(t, c, w.srv.URL+"/cashier/")
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "收银台登录链接") {
			t.Errorf("page without a session: %d %.200s", res.StatusCode, body)
		}
	}
	if seq := w.j.LastSeq(); seq != 0 {
		t.Errorf("journal has %d records after refused requests, want 0", seq)
	}
}

func TestPostWithoutTheCashierHeaderIs403AndChangesNothing(t *testing.T) {
	w := newWorld(t)
	w.insertCard()
	c := w.client(true)
	form := QuoteForm{Cashier: "C01", Lines: []LineForm{{Code: "D0001", Barcode: "6901234500011", Qty: "1", Price: "23.80", RxID: "RX-1"}}}
	for _, path := range []string{"/cashier/api/quote", "/cashier/api/charge", "/cashier/api/void", "/cashier/logout"} {
		var e apiError
		if st := w.call(c, "POST", path, form, &e, true); st != http.StatusForbidden || e.Code != CodeMissingHeader {
			t.Errorf("POST %s without X-Cashier: %d %s, want 403 %s", path, st, e.Code, CodeMissingHeader)
		}
	}
	if seq := w.j.LastSeq(); seq != 0 {
		t.Errorf("journal has %d records after refused posts, want 0", seq)
	}
	// The same quote with the header goes through, and the session is
	// still alive (the refused logout did not end it).
	var q QuoteView
	if st := w.call(c, "POST", "/cashier/api/quote", form, &q, false); st != http.StatusOK || q.QuoteID == "" {
		t.Fatalf("quote with the header: %d %+v", st, q)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	w := newWorld(t)
	c := w.client(true)
	if st := w.call(c, "GET", "/cashier/api/status", nil, nil, false); st != http.StatusOK {
		t.Fatalf("status before logout: %d", st)
	}
	if st := w.call(c, "POST", "/cashier/logout", nil, nil, false); st != http.StatusOK {
		t.Fatalf("logout: %d", st)
	}
	if st := w.call(c, "GET", "/cashier/api/status", nil, nil, false); st != http.StatusUnauthorized {
		t.Errorf("status after logout: %d, want 401", st)
	}
	if n := w.page.sessions.Len(); n != 0 {
		t.Errorf("%d sessions after logout, want 0", n)
	}
}
