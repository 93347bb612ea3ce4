package web

import (
	"net/http"
	"net/url"
)

// Lang is the language a person sees: Chinese first, English on request.
type Lang string

// The languages of both UIs; Zh is the default.
const (
	Zh Lang = "zh"
	En Lang = "en"
)

// ParseLang reads a language as a link or a cookie names it ("zh",
// "zh-CN", "en", "en-US", …).
func ParseLang(s string) (Lang, bool) {
	switch s {
	case "zh", "zh-CN", "zh-cn":
		return Zh, true
	case "en", "en-US", "en-us":
		return En, true
	}
	return "", false
}

// Other is the language a switch offers.
func (l Lang) Other() Lang {
	if l == En {
		return Zh
	}
	return En
}

// HTMLLang is the page's lang attribute.
func (l Lang) HTMLLang() string {
	if l == En {
		return "en"
	}
	return "zh-CN"
}

// Name is the language's name in itself, for a switch.
func (l Lang) Name() string {
	if l == En {
		return "English"
	}
	return "中文"
}

// LangChoice is where a UI remembers the language: a cookie named Cookie
// on Path.
type LangChoice struct {
	Cookie string
	Path   string
}

// Choose picks the request's language: ?lang= (remembered in the
// cookie for a year), else the cookie, else Chinese.
func (c LangChoice) Choose(w http.ResponseWriter, r *http.Request) Lang {
	if l, ok := ParseLang(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{
			Name: c.Cookie, Value: string(l), Path: c.Path, MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: Secure(r), SameSite: http.SameSiteLaxMode,
		})
		return l
	}
	if ck, err := r.Cookie(c.Cookie); err == nil {
		if l, ok := ParseLang(ck.Value); ok {
			return l
		}
	}
	return Zh
}

// SwitchURL is the request's path and query with lang set to l: the
// language switch of a page.
func SwitchURL(r *http.Request, l Lang) string {
	q := r.URL.Query()
	q.Set("lang", string(l))
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}

// Catalogue is a UI's words: key → {Chinese, English}.
type Catalogue map[string][2]string

// T is the text for key in l; an unknown key shows as itself, so a
// missing text is seen rather than lost.
func (c Catalogue) T(l Lang, key string) string {
	t, ok := c[key]
	switch {
	case !ok:
		return key
	case l == En:
		return t[1]
	}
	return t[0]
}

// Dict is every text in l, for a page's script.
func (c Catalogue) Dict(l Lang) map[string]string {
	out := make(map[string]string, len(c))
	for k := range c {
		out[k] = c.T(l, k)
	}
	return out
}

// Incomplete lists the keys that lack a language.
func (c Catalogue) Incomplete() []string {
	var out []string
	for k, t := range c {
		if t[0] == "" || t[1] == "" {
			out = append(out, k)
		}
	}
	return out
}
