package centre

import (
	"net/http"
	"net/url"
)

// consoleLang is the console's language: Chinese by default, English on
// request.
type consoleLang string

const (
	langZh consoleLang = "zh"
	langEn consoleLang = "en"
)

// consoleLangCookie remembers the supervisor's choice of language.
const consoleLangCookie = "posagent_console_lang"

// consoleLanguage picks the request's language: ?lang= (remembered in a
// cookie), else the cookie, else Chinese.
func consoleLanguage(w http.ResponseWriter, r *http.Request) consoleLang {
	if l, ok := parseConsoleLang(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{
			Name: consoleLangCookie, Value: string(l), Path: consolePrefix, MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
		})
		return l
	}
	if c, err := r.Cookie(consoleLangCookie); err == nil {
		if l, ok := parseConsoleLang(c.Value); ok {
			return l
		}
	}
	return langZh
}

func parseConsoleLang(s string) (consoleLang, bool) {
	switch s {
	case "zh", "zh-CN", "zh-cn":
		return langZh, true
	case "en", "en-US", "en-us":
		return langEn, true
	}
	return "", false
}

// other is the language the switch offers.
func (l consoleLang) other() consoleLang {
	if l == langEn {
		return langZh
	}
	return langEn
}

// T is the console text for key in l; an unknown key shows as itself, so
// a missing text is seen rather than lost.
func (l consoleLang) T(key string) string {
	t, ok := consoleTexts[key]
	switch {
	case !ok:
		return key
	case l == langEn:
		return t[1]
	}
	return t[0]
}

// switchURL is the request's URL with lang set to l: the language switch.
func switchURL(r *http.Request, l consoleLang) string {
	q := r.URL.Query()
	q.Set("lang", string(l))
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}
