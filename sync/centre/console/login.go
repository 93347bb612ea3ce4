package console

import (
	"context"
	"errors"
	"net/http"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre/api"
	"posagent/sync/centre/store"
)

// loginCookie carries the login form's token (double submit). A
// login POST made by another site's page arrives without it (the cookie
// is SameSite=Strict) and is refused, so nobody can log a supervisor's
// browser in under an account of theirs.
const loginCookie = "posagent_console_login"

// loginData is what the login page shows.
type loginData struct {
	Token string // the form's token, also in loginCookie
	Next  string // where to go after login
	Name  string // the name typed, kept after a failed attempt
}

// loginForm is GET /console/login.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	lang := langChoice.Choose(w, r)
	next := safeNext(r.URL.Query().Get("next"))
	if c, err := r.Cookie(sessionCookieName); err == nil {
		if _, ok, _ := h.sessions.Use(r.Context(), c.Value); ok {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	h.freshLoginForm(w, r, lang, http.StatusOK, loginData{Next: next}, "")
}

// login is POST /console/login: check the form's token and the
// user's password, then start a session and go where the user was going.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	lang := langChoice.Choose(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, api.MaxSmallBody)
	if err := r.ParseForm(); err != nil {
		h.freshLoginForm(w, r, lang, http.StatusBadRequest, loginData{Next: prefix}, texts.T(lang, "login_bad_form"))
		return
	}
	data := loginData{Next: safeNext(r.PostFormValue("next")), Name: r.PostFormValue("name")}
	token, err := r.Cookie(loginCookie)
	if err != nil || token.Value == "" || !web.EqualSecret(r.PostFormValue("csrf"), token.Value) {
		h.freshLoginForm(w, r, lang, http.StatusForbidden, data, texts.T(lang, "login_expired"))
		return
	}
	data.Token = token.Value
	client := web.ClientIP(r)
	u, ok, wait, err := h.checkLogin(r.Context(), data.Name, client, r.PostFormValue("password"))
	switch {
	case err != nil:
		h.log.Error("console login: load user", "name", data.Name, "err", err)
		h.renderLogin(w, r, lang, http.StatusInternalServerError, data, texts.T(lang, "storage_error"))
		return
	case wait > 0:
		h.log.Warn("console login throttled", "name", data.Name, "client", client, "retry_after", wait)
		web.SetRetryAfter(w, wait)
		h.renderLogin(w, r, lang, http.StatusTooManyRequests, data, texts.T(lang, "login_throttled"))
		return
	case !ok:
		h.log.Warn("console login refused", "name", data.Name, "client", client)
		h.renderLogin(w, r, lang, http.StatusUnauthorized, data, texts.T(lang, "login_failed"))
		return
	}
	if old, err := r.Cookie(sessionCookieName); err == nil {
		h.endSession(r, old.Value) // a login replaces the browser's session
	}
	sess, err := h.sessions.Create(r.Context(), userOf(u))
	if err != nil {
		h.log.Error("console login: new session", "err", err)
		h.renderLogin(w, r, lang, http.StatusInternalServerError, data, texts.T(lang, "internal_error"))
		return
	}
	h.log.Info("console login", "name", u.Name, "role", u.Role, "client", client)
	http.SetCookie(w, sessionCookie(r, sess.ID, 0))
	http.SetCookie(w, loginTokenCookie(r, "", -1))
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

// checkLogin verifies a user's password the way the supervisor API does
// (bcrypt through the login cache, throttled by name and client address;
// an unknown name costs the same time) and that the user is a supervisor
// or an administrator. A throttled attempt answers wait > 0, unchecked.
func (h *Handler) checkLogin(ctx context.Context, name, client, password string) (_ store.User, ok bool, wait time.Duration, _ error) {
	u, err := h.centre.User(ctx, name)
	if errors.Is(err, store.ErrNotFound) || name == "" {
		u, err = store.User{}, nil
	}
	if err != nil {
		return store.User{}, false, 0, err
	}
	ok, wait = h.logins.CheckFrom(h.centre, u, name, client, password)
	if !ok || (u.Role != store.RoleAdmin && u.Role != store.RoleSupervisor) {
		return store.User{}, false, wait, nil
	}
	return u, true, 0, nil
}

// logout is POST /console/logout.
func (h *Handler) logout(w http.ResponseWriter, c *request) {
	if cookie, err := c.r.Cookie(sessionCookieName); err == nil {
		h.endSession(c.r, cookie.Value)
	}
	h.log.Info("console logout", "name", c.sess.Value.Name)
	http.SetCookie(w, sessionCookie(c.r, "", -1))
	http.Redirect(w, c.r, prefix+"login", http.StatusSeeOther)
}

// freshLoginForm shows the login form with a new token.
func (h *Handler) freshLoginForm(w http.ResponseWriter, r *http.Request, lang web.Lang, status int, data loginData, msg string) {
	token, err := web.NewToken()
	if err != nil {
		h.log.Error("console login: new token", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	data.Token = token
	http.SetCookie(w, loginTokenCookie(r, token, 3600))
	h.renderLogin(w, r, lang, status, data, msg)
}

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, lang web.Lang, status int, data loginData, msg string) {
	h.render(w, status, "login.html", page{Lang: lang, Title: "login_title",
		SwitchURL: web.SwitchURL(r, lang.Other()), Error: msg, Data: data})
}

func loginTokenCookie(r *http.Request, token string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: loginCookie, Value: token, Path: prefix + "login", MaxAge: maxAge,
		HttpOnly: true, Secure: web.Secure(r), SameSite: http.SameSiteStrictMode}
}
