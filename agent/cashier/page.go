package cashier

import (
	"net/http"

	"posagent/internal/web"
)

// pageData is what the page templates see.
type pageData struct {
	Lang     web.Lang
	Other    web.Lang          // the toggle's language
	Dict     map[string]string // every text, for the script
	Terminal string
	Message  string // denied page: why
}

// T is the text for key in the page's language.
func (d pageData) T(key string) string { return texts.T(d.Lang, key) }

// HTMLLang is the page's lang attribute.
func (d pageData) HTMLLang() string { return d.Lang.HTMLLang() }

// page serves the cashier page, or, without a session, a page that says
// to open the login link.
func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	lang := langChoice.Choose(w, r)
	if !h.loggedIn(r) {
		h.renderDenied(w, lang, http.StatusUnauthorized, "denied_text")
		return
	}
	h.render(w, http.StatusOK, "page.html", pageData{
		Lang: lang, Other: lang.Other(), Dict: texts.Dict(lang), Terminal: h.agent.Status().Terminal,
	})
}

func (h *Handler) renderDenied(w http.ResponseWriter, lang web.Lang, status int, msgKey string) {
	h.render(w, status, "denied.html", pageData{Lang: lang, Other: lang.Other(), Message: texts.T(lang, msgKey)})
}

// render answers a page; a template error is a clean 500.
func (h *Handler) render(w http.ResponseWriter, status int, name string, data pageData) {
	if err := web.WriteHTML(w, status, h.pages, name, data); err != nil {
		h.log.Error("cashier page template failed", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}
