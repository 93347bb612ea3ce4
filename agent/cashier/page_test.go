package cashier

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// dictOf reads the page's embedded dictionary for the script.
func dictOf(t *testing.T, body string) map[string]string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="i18n">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no dictionary in the page")
	}
	var d map[string]string
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatalf("dictionary is not JSON: %v\n%.300s", err, m[1])
	}
	return d
}

func TestPageRendersInChineseByDefaultAndInEnglishOnRequest(t *testing.T) {
	w := newWorld(t)
	c := w.client(true)

	res, zh := get(t, c, w.srv.URL+"/cashier/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("page: %d", res.StatusCode)
	}
	for _, want := range []string{`<html lang="zh-CN">`, "<title>医保个人账户收银台</title>", "请刷医保卡", "确认扣款", `href="/cashier/?lang=en"`, "T001"} {
		if !strings.Contains(zh, want) {
			t.Errorf("Chinese page lacks %q", want)
		}
	}
	if d := dictOf(t, zh); d["charge"] != "确认扣款" || d["settled_offline"] == "" {
		t.Errorf("Chinese dictionary: charge=%q", d["charge"])
	}

	res, en := get(t, c, w.srv.URL+"/cashier/?lang=en")
	for _, want := range []string{`<html lang="en">`, "<title>Insurance account cashier</title>", "Swipe or insert the insurance card", `href="/cashier/?lang=zh"`} {
		if !strings.Contains(html.UnescapeString(en), want) {
			t.Errorf("English page lacks %q", want)
		}
	}
	if strings.Contains(en, "确认扣款") {
		t.Error("English page still says 确认扣款")
	}
	var remembered bool
	for _, ck := range res.Cookies() {
		remembered = remembered || ck.Name == langCookie && ck.Value == "en"
	}
	if !remembered {
		t.Errorf("?lang=en did not set the %s cookie: %v", langCookie, res.Header["Set-Cookie"])
	}
	// The cookie keeps English without the query.
	_, again := get(t, c, w.srv.URL+"/cashier/")
	if d := dictOf(t, again); d["charge"] != "Charge" {
		t.Errorf("after ?lang=en the page without a query says charge=%q, want English", d["charge"])
	}
	if len(dictOf(t, again)) != len(texts) {
		t.Errorf("English dictionary has %d texts, want %d", len(dictOf(t, again)), len(texts))
	}
}

func TestEveryTextHasBothLanguages(t *testing.T) {
	han := regexp.MustCompile(`\p{Han}`)
	for k, v := range texts {
		if v[0] == "" || v[1] == "" {
			t.Errorf("text %q lacks a language: %q", k, v)
		}
		if k != "lang_switch" && han.MatchString(v[1]) {
			t.Errorf("English text %q contains Chinese: %q", k, v[1])
		}
	}
}

func TestDeniedPageFollowsTheLanguage(t *testing.T) {
	w := newWorld(t)
	c := w.client(false)
	res, body := get(t, c, w.srv.URL+"/cashier/?lang=en")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Open this page with the cashier login link") {
		t.Errorf("English denied page: %d %.300s", res.StatusCode, body)
	}
	res, body = get(t, c, w.srv.URL+"/cashier/login?token=nope&lang=en")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "wrong token") {
		t.Errorf("English bad login: %d %.300s", res.StatusCode, body)
	}
}

func TestSecurityHeadersAndStaticAssets(t *testing.T) {
	w := newWorld(t)
	c := w.client(true)
	res, _ := get(t, c, w.srv.URL+"/cashier/")
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if res.Header.Get("X-Frame-Options") != "DENY" || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers: %v", res.Header)
	}
	for path, want := range map[string]string{"/cashier/static/app.js": "X-Cashier", "/cashier/static/app.css": ".receipt"} {
		res, body := get(t, w.client(false), w.srv.URL+path)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s: %d, body lacks %q", path, res.StatusCode, want)
		}
	}
}
