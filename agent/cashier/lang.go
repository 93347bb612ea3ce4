package cashier

import "net/http"

// Lang is the page's language.
type Lang string

// The page's languages; Chinese is the default.
const (
	Zh Lang = "zh"
	En Lang = "en"
)

// langCookie keeps the cashier's choice of language.
const langCookie = "posagent_lang"

// language picks the request's language: ?lang= (and remembers it in a
// cookie), else the cookie, else Chinese.
func (h *Handler) language(w http.ResponseWriter, r *http.Request) Lang {
	if l, ok := parseLang(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{
			Name: langCookie, Value: string(l), Path: Prefix, MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode,
		})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := parseLang(c.Value); ok {
			return l
		}
	}
	return Zh
}

func parseLang(s string) (Lang, bool) {
	switch s {
	case "zh", "zh-CN", "zh-cn":
		return Zh, true
	case "en", "en-US", "en-us":
		return En, true
	}
	return "", false
}

// other is the language the toggle switches to.
func (l Lang) other() Lang {
	if l == En {
		return Zh
	}
	return En
}

// T returns the page text for key in l; an unknown key is returned as is,
// so a missing translation shows rather than vanishes.
func (l Lang) T(key string) string {
	t, ok := texts[key]
	if !ok {
		return key
	}
	if l == En {
		return t[1]
	}
	return t[0]
}

// dict is every page text in l, for the page's script.
func (l Lang) dict() map[string]string {
	out := make(map[string]string, len(texts))
	for k := range texts {
		out[k] = l.T(k)
	}
	return out
}
