package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestLanguageChoiceIsRemembered(t *testing.T) {
	choice := LangChoice{Cookie: "lang", Path: "/ui/"}
	w := httptest.NewRecorder()
	if l := choice.Choose(w, httptest.NewRequest("GET", "/ui/", nil)); l != Zh {
		t.Errorf("no choice: %q, want zh", l)
	}
	if len(w.Result().Cookies()) != 0 {
		t.Error("a cookie was set without a choice")
	}
	w = httptest.NewRecorder()
	if l := choice.Choose(w, httptest.NewRequest("GET", "/ui/?lang=en-US", nil)); l != En {
		t.Errorf("?lang=en-US: %q", l)
	}
	cks := w.Result().Cookies()
	if len(cks) != 1 || cks[0].Name != "lang" || cks[0].Value != "en" || cks[0].Path != "/ui/" || !cks[0].HttpOnly ||
		cks[0].SameSite != http.SameSiteLaxMode || cks[0].Secure {
		t.Fatalf("cookie %+v", cks)
	}
	r := httptest.NewRequest("GET", "/ui/x", nil)
	r.AddCookie(cks[0])
	if l := choice.Choose(httptest.NewRecorder(), r); l != En {
		t.Errorf("with the cookie: %q", l)
	}
	r = httptest.NewRequest("GET", "/ui/x?lang=fr", nil)
	r.AddCookie(&http.Cookie{Name: "lang", Value: "xx"})
	if l := choice.Choose(httptest.NewRecorder(), r); l != Zh {
		t.Errorf("unknown languages: %q, want zh", l)
	}
}

func TestSwitchURLKeepsTheQuery(t *testing.T) {
	r := httptest.NewRequest("GET", "/console/?terminal=T+1&lang=zh", nil)
	u, err := url.Parse(SwitchURL(r, Zh.Other()))
	if err != nil || u.Path != "/console/" || u.Query().Get("terminal") != "T 1" || u.Query().Get("lang") != "en" || u.Host != "" {
		t.Errorf("switch URL %v (%v)", u, err)
	}
}

func TestCatalogue(t *testing.T) {
	c := Catalogue{"hi": {"你好", "Hello"}, "half": {"半", ""}}
	if c.T(Zh, "hi") != "你好" || c.T(En, "hi") != "Hello" || c.T(En, "nope") != "nope" {
		t.Error("T")
	}
	if d := c.Dict(En); len(d) != 2 || d["hi"] != "Hello" {
		t.Errorf("Dict: %v", d)
	}
	if m := c.Incomplete(); len(m) != 1 || m[0] != "half" {
		t.Errorf("Incomplete: %v", m)
	}
	if Zh.HTMLLang() != "zh-CN" || En.HTMLLang() != "en" || En.Other().Name() != "中文" || Zh.Other().Name() != "English" {
		t.Error("Lang")
	}
}
