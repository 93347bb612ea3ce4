package centre

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"posagent/sync/centre/store"
)

// consoleCookie holds the session id: HttpOnly (no script reads it),
// SameSite=Strict (no other site's page sends it), Secure over TLS.
const consoleCookie = "posagent_console"

// consoleRequest is a request of a logged-in user.
type consoleRequest struct {
	lang consoleLang
	sess consoleSession
	r    *http.Request
}

// page starts the page data of a logged-in user's page.
func (c *consoleRequest) page(title, nav string, data any) consolePage {
	return consolePage{Lang: c.lang, Title: title, Nav: nav, User: c.sess.user, Role: c.sess.role,
		Admin: c.sess.role == store.RoleAdmin, CSRF: c.sess.csrf, SwitchURL: switchURL(c.r, c.lang.other()),
		Data: data}
}

// consoleHandler serves a logged-in user's request.
type consoleHandler func(w http.ResponseWriter, c *consoleRequest)

// consoleAuth lets through requests with a live session whose user still
// exists with the same role and password; others are sent to the login
// page. adminOnly refuses supervisors (403). A POST must carry the
// session's CSRF token in its form; its body is limited to maxBody bytes.
func (s *Server) consoleAuth(adminOnly bool, maxBody int64, h consoleHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := consoleLanguage(w, r)
		sess, ok := s.consoleSession(w, r)
		if !ok {
			return
		}
		c := &consoleRequest{lang: lang, sess: sess, r: r}
		if adminOnly && sess.role != store.RoleAdmin {
			s.consoleMessage(w, c, http.StatusForbidden, "forbidden_title", lang.T("forbidden_admin"))
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			if !equalSecret(r.FormValue("csrf"), sess.csrf) {
				s.cfg.Logger.Warn("console: POST without a valid CSRF token", "user", sess.user, "path", r.URL.Path)
				s.consoleMessage(w, c, http.StatusForbidden, "forbidden_title", lang.T("csrf_failed"))
				return
			}
		}
		h(w, c)
	})
}

// consoleSession finds the request's live session and checks its user.
// Without one it answers (a redirect to the login page, or a 500 when
// the store fails) and returns false.
func (s *Server) consoleSession(w http.ResponseWriter, r *http.Request) (consoleSession, bool) {
	cookie, err := r.Cookie(consoleCookie)
	if err != nil {
		s.toLogin(w, r)
		return consoleSession{}, false
	}
	sess, ok := s.consoleSessions.use(cookie.Value, s.cfg.Now())
	if !ok {
		s.toLogin(w, r)
		return consoleSession{}, false
	}
	u, err := s.cfg.Store.User(r.Context(), sess.user)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		s.cfg.Logger.Error("console: load user", "name", sess.user, "err", err)
		consoleHeaders(w)
		http.Error(w, "centre storage error", http.StatusInternalServerError)
		return consoleSession{}, false
	case u.Role == sess.role && credentialOf(u) == sess.credential:
		return sess, true
	}
	s.cfg.Logger.Info("console: session ended: user removed or changed", "name", sess.user)
	s.consoleSessions.end(cookie.Value)
	s.toLogin(w, r)
	return consoleSession{}, false
}

// toLogin sends the browser to the login page, which returns it here
// after login (GET requests only), and drops a stale session cookie.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(consoleCookie); err == nil {
		http.SetCookie(w, sessionCookie(r, "", -1))
	}
	target := consolePrefix + "login"
	if r.Method == http.MethodGet {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	consoleHeaders(w)
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// sessionCookie is the session cookie with value id; maxAge < 0 deletes it.
func sessionCookie(r *http.Request, id string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: consoleCookie, Value: id, Path: consolePrefix, MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode}
}

// safeNext returns next when it is a console page of this site, else the
// console's start page, so the login form cannot redirect elsewhere.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!strings.HasPrefix(u.Path, consolePrefix) || strings.HasPrefix(u.Path, consolePrefix+"login") ||
		strings.Contains(u.Path, "..") ||
		strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") {
		return consolePrefix
	}
	return u.RequestURI()
}

// consoleMessage shows a page with one message (an error or a notice).
func (s *Server) consoleMessage(w http.ResponseWriter, c *consoleRequest, status int, title, msg string) {
	p := c.page(title, "", nil)
	if status >= 400 {
		p.Error = msg
	} else {
		p.Notice = msg
	}
	s.renderConsole(w, status, "message.html", p)
}
