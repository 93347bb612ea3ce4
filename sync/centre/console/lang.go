package console

import (
	"net/http"
	"net/url"
)

// language is the console's language: Chinese by default, English on
// request.
type language string

const (
	langZh language = "zh"
	langEn language = "en"
)

// langCookie remembers the supervisor's choice of language.
const langCookie = "posagent_console_lang"

// chooseLanguage picks the request's language: ?lang= (remembered in a
// cookie), else the cookie, else Chinese.
func chooseLanguage(w http.ResponseWriter, r *http.Request) language {
	if l, ok := parseLang(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{
			Name: langCookie, Value: string(l), Path: prefix, MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
		})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := parseLang(c.Value); ok {
			return l
		}
	}
	return langZh
}

func parseLang(s string) (language, bool) {
	switch s {
	case "zh", "zh-CN", "zh-cn":
		return langZh, true
	case "en", "en-US", "en-us":
		return langEn, true
	}
	return "", false
}

// other is the language the switch offers.
func (l language) other() language {
	if l == langEn {
		return langZh
	}
	return langEn
}

// T is the console text for key in l; an unknown key shows as itself, so
// a missing text is seen rather than lost.
func (l language) T(key string) string {
	t, ok := texts[key]
	switch {
	case !ok:
		return key
	case l == langEn:
		return t[1]
	}
	return t[0]
}

// switchURL is the request's URL with lang set to l: the language switch.
func switchURL(r *http.Request, l language) string {
	q := r.URL.Query()
	q.Set("lang", string(l))
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}
