package cashier

import (
	"bytes"
	"net/http"
)

// pageData is what the page templates see.
type pageData struct {
	Lang     Lang
	Other    Lang              // the toggle's language
	Dict     map[string]string // every text, for the script
	Terminal string
	Message  string // denied page: why
}

// T is the text for key in the page's language.
func (d pageData) T(key string) string { return d.Lang.T(key) }

// HTMLLang is the page's lang attribute.
func (d pageData) HTMLLang() string {
	if d.Lang == En {
		return "en"
	}
	return "zh-CN"
}

// page serves the cashier page, or, without a session, a page that says
// to open the login link.
func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	lang := h.language(w, r)
	if !h.loggedIn(r) {
		h.renderDenied(w, lang, http.StatusUnauthorized, "denied_text")
		return
	}
	h.render(w, http.StatusOK, "page.html", pageData{
		Lang: lang, Other: lang.other(), Dict: lang.dict(), Terminal: h.agent.Status().Terminal,
	})
}

func (h *Handler) renderDenied(w http.ResponseWriter, lang Lang, status int, msgKey string) {
	h.render(w, status, "denied.html", pageData{Lang: lang, Other: lang.other(), Message: lang.T(msgKey)})
}

// render executes a template into a buffer first, so a template error is
// a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, data pageData) {
	var buf bytes.Buffer
	if err := h.pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.Error("cashier page template failed", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
