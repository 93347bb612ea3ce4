package cashier

import (
	"net/http"

	"posagent/internal/web"
)

// sessionCookie holds the session id. It is HttpOnly (no script reads it)
// and SameSite=Strict (no other site's page sends it).
const sessionCookie = "posagent_cashier"

// login exchanges the API token for a session cookie and sends the browser
// on to the page, so the token leaves the address bar at once.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	lang := langChoice.Choose(w, r)
	if !web.EqualSecret(r.URL.Query().Get("token"), h.token) {
		h.log.Warn("cashier login refused: wrong token", "remote", r.RemoteAddr)
		h.renderDenied(w, lang, http.StatusUnauthorized, "login_bad")
		return
	}
	sess, err := h.sessions.Create(r.Context(), struct{}{})
	if err != nil {
		h.log.Error("cashier login failed", "err", err)
		h.renderDenied(w, lang, http.StatusInternalServerError, "internal")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: sess.ID, Path: Prefix,
		HttpOnly: true, Secure: web.Secure(r), SameSite: http.SameSiteStrictMode,
	})
	h.log.Info("cashier logged in", "remote", r.RemoteAddr)
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// logout ends the session and clears the cookie.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		_ = h.sessions.End(r.Context(), c.Value) // in memory: never fails
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, Secure: web.Secure(r), SameSite: http.SameSiteStrictMode,
	})
	web.WriteJSON(w, http.StatusOK, map[string]bool{"logged_out": true})
}

// loggedIn reports whether the request carries a live session cookie.
func (h *Handler) loggedIn(r *http.Request) bool {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return false
	}
	_, ok, _ := h.sessions.Use(r.Context(), c.Value) // in memory: never fails
	return ok
}
