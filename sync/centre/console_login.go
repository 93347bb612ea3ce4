package centre

import (
	"context"
	"errors"
	"net/http"

	"posagent/sync/centre/store"
)

// consoleLoginCookie carries the login form's token (double submit). A
// login POST made by another site's page arrives without it (the cookie
// is SameSite=Strict) and is refused, so nobody can log a supervisor's
// browser in under an account of theirs.
const consoleLoginCookie = "posagent_console_login"

// loginData is what the login page shows.
type loginData struct {
	Token string // the form's token, also in consoleLoginCookie
	Next  string // where to go after login
	Name  string // the name typed, kept after a failed attempt
}

// consoleLoginForm is GET /console/login.
func (s *Server) consoleLoginForm(w http.ResponseWriter, r *http.Request) {
	lang := consoleLanguage(w, r)
	next := safeNext(r.URL.Query().Get("next"))
	if c, err := r.Cookie(consoleCookie); err == nil {
		if _, ok := s.consoleSessions.use(c.Value, s.cfg.Now()); ok {
			consoleHeaders(w)
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	s.freshLoginForm(w, r, lang, http.StatusOK, loginData{Next: next}, "")
}

// consoleLogin is POST /console/login: check the form's token and the
// user's password, then start a session and go where the user was going.
func (s *Server) consoleLogin(w http.ResponseWriter, r *http.Request) {
	lang := consoleLanguage(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, maxSmallBody)
	if err := r.ParseForm(); err != nil {
		s.freshLoginForm(w, r, lang, http.StatusBadRequest, loginData{Next: consolePrefix}, lang.T("login_bad_form"))
		return
	}
	data := loginData{Next: safeNext(r.PostFormValue("next")), Name: r.PostFormValue("name")}
	token, err := r.Cookie(consoleLoginCookie)
	if err != nil || token.Value == "" || !equalSecret(r.PostFormValue("csrf"), token.Value) {
		s.freshLoginForm(w, r, lang, http.StatusForbidden, data, lang.T("login_expired"))
		return
	}
	data.Token = token.Value
	u, ok, err := s.checkLogin(r.Context(), data.Name, r.PostFormValue("password"))
	if err != nil {
		s.cfg.Logger.Error("console login: load user", "name", data.Name, "err", err)
		s.renderLogin(w, r, lang, http.StatusInternalServerError, data, lang.T("storage_error"))
		return
	}
	if !ok {
		s.cfg.Logger.Warn("console login refused", "name", data.Name, "remote", r.RemoteAddr)
		s.renderLogin(w, r, lang, http.StatusUnauthorized, data, lang.T("login_failed"))
		return
	}
	if old, err := r.Cookie(consoleCookie); err == nil {
		s.consoleSessions.end(old.Value) // a login replaces the browser's session
	}
	id, _, err := s.consoleSessions.create(u, s.cfg.Now())
	if err != nil {
		s.cfg.Logger.Error("console login: new session", "err", err)
		s.renderLogin(w, r, lang, http.StatusInternalServerError, data, lang.T("internal_error"))
		return
	}
	s.cfg.Logger.Info("console login", "name", u.Name, "role", u.Role, "remote", r.RemoteAddr)
	http.SetCookie(w, sessionCookie(r, id, 0))
	http.SetCookie(w, loginTokenCookie(r, "", -1))
	consoleHeaders(w)
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

// checkLogin verifies a user's password the way the supervisor API does
// (bcrypt through the login cache; an unknown name costs the same time)
// and that the user is a supervisor or an administrator.
func (s *Server) checkLogin(ctx context.Context, name, password string) (store.User, bool, error) {
	u, err := s.cfg.Store.User(ctx, name)
	if errors.Is(err, store.ErrNotFound) || name == "" {
		u, err = store.User{}, nil
	}
	if err != nil {
		return store.User{}, false, err
	}
	if !s.logins.check(u, password) || (u.Role != store.RoleAdmin && u.Role != store.RoleSupervisor) {
		return store.User{}, false, nil
	}
	return u, true, nil
}

// consoleLogout is POST /console/logout.
func (s *Server) consoleLogout(w http.ResponseWriter, c *consoleRequest) {
	if cookie, err := c.r.Cookie(consoleCookie); err == nil {
		s.consoleSessions.end(cookie.Value)
	}
	s.cfg.Logger.Info("console logout", "name", c.sess.user)
	http.SetCookie(w, sessionCookie(c.r, "", -1))
	http.Redirect(w, c.r, consolePrefix+"login", http.StatusSeeOther)
}

// freshLoginForm shows the login form with a new token.
func (s *Server) freshLoginForm(w http.ResponseWriter, r *http.Request, lang consoleLang, status int, data loginData, msg string) {
	token, err := newToken()
	if err != nil {
		s.cfg.Logger.Error("console login: new token", "err", err)
		consoleHeaders(w)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	data.Token = token
	http.SetCookie(w, loginTokenCookie(r, token, 3600))
	s.renderLogin(w, r, lang, status, data, msg)
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, lang consoleLang, status int, data loginData, msg string) {
	s.renderConsole(w, status, "login.html", consolePage{Lang: lang, Title: "login_title",
		SwitchURL: switchURL(r, lang.other()), Error: msg, Data: data})
}

func loginTokenCookie(r *http.Request, token string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: consoleLoginCookie, Value: token, Path: consolePrefix + "login", MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode}
}
