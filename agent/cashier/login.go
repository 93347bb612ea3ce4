package cashier

import (
	"crypto/subtle"
	"net/http"
)

// login exchanges the API token for a session cookie and sends the browser
// on to the page, so the token leaves the address bar at once.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	lang := h.language(w, r)
	tok := r.URL.Query().Get("token")
	if subtle.ConstantTimeCompare([]byte(tok), []byte(h.token)) != 1 {
		h.log.Warn("cashier login refused: wrong token", "remote", r.RemoteAddr)
		h.renderDenied(w, lang, http.StatusUnauthorized, "login_bad")
		return
	}
	id, err := h.sessions.create()
	if err != nil {
		h.log.Error("cashier login failed", "err", err)
		h.renderDenied(w, lang, http.StatusInternalServerError, "internal")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: Prefix,
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	h.log.Info("cashier logged in", "remote", r.RemoteAddr)
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// logout ends the session and clears the cookie.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		h.sessions.end(c.Value)
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	writeJSON(w, http.StatusOK, map[string]bool{"logged_out": true})
}

// loggedIn reports whether the request carries a live session cookie.
func (h *Handler) loggedIn(r *http.Request) bool {
	c, err := r.Cookie(sessionCookie)
	return err == nil && c.Value != "" && h.sessions.use(c.Value)
}
