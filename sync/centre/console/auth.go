package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/store"
)

// sessionCookieName holds the session id: HttpOnly (no script reads it),
// SameSite=Strict (no other site's page sends it), Secure over https
// (web.Secure: TLS here or at a trusted proxy).
const sessionCookieName = "posagent_console"

// request is a request of a logged-in user.
type request struct {
	lang web.Lang
	sess session
	r    *http.Request
	loc  *time.Location // the centre's zone
}

// page starts the page data of a logged-in user's page.
func (c *request) page(title, nav string, data any) page {
	return page{Lang: c.lang, Title: title, Nav: nav, User: c.sess.Value.Name, Role: c.sess.Value.Role,
		Admin: c.sess.Value.Role == store.RoleAdmin, CSRF: c.sess.CSRF, SwitchURL: web.SwitchURL(c.r, c.lang.Other()),
		Data: data, loc: c.loc}
}

// handlerFunc serves a logged-in user's request.
type handlerFunc func(w http.ResponseWriter, c *request)

// auth lets through requests with a live session whose user still
// exists with the same role and password; others are sent to the login
// page. adminOnly refuses supervisors (403). A POST must carry the
// session's CSRF token in its form; its body is limited to maxBody bytes.
func (h *Handler) auth(adminOnly bool, maxBody int64, next handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := langChoice.Choose(w, r)
		sess, ok := h.liveSession(w, r)
		if !ok {
			return
		}
		r = r.WithContext(centre.WithActor(r.Context(), sess.Value.Name)) // for the audit log
		c := &request{lang: lang, sess: sess, r: r, loc: h.centre.Location()}
		if adminOnly && sess.Value.Role != store.RoleAdmin {
			h.message(w, c, http.StatusForbidden, "forbidden_title", texts.T(lang, "forbidden_admin"))
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			if !web.EqualSecret(r.FormValue("csrf"), sess.CSRF) {
				h.log.Warn("console: POST without a valid CSRF token", "user", sess.Value.Name, "path", r.URL.Path)
				h.message(w, c, http.StatusForbidden, "forbidden_title", texts.T(lang, "csrf_failed"))
				return
			}
		}
		next(w, c)
	})
}

// liveSession finds the request's live session and checks its user.
// Without one it answers (a redirect to the login page, or a 500 when
// the store fails) and returns false.
func (h *Handler) liveSession(w http.ResponseWriter, r *http.Request) (session, bool) {
	cookie, err := r.Cookie(sessionCookieName)
	if err != nil {
		h.toLogin(w, r)
		return session{}, false
	}
	sess, ok, err := h.sessions.Use(r.Context(), cookie.Value)
	if err != nil {
		h.log.Error("console: load session", "err", err)
		http.Error(w, "centre storage error", http.StatusInternalServerError)
		return session{}, false
	}
	if !ok {
		h.toLogin(w, r)
		return session{}, false
	}
	u, err := h.centre.User(r.Context(), sess.Value.Name)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		h.log.Error("console: load user", "name", sess.Value.Name, "err", err)
		http.Error(w, "centre storage error", http.StatusInternalServerError)
		return session{}, false
	case u.Role == sess.Value.Role && credentialOf(u) == sess.Value.Credential:
		return sess, true
	}
	h.log.Info("console: session ended: user removed or changed", "name", sess.Value.Name)
	h.endSession(r, cookie.Value)
	h.toLogin(w, r)
	return session{}, false
}

// endSession ends a session; a failure to is logged, and the session
// then ends by its own limits.
func (h *Handler) endSession(r *http.Request, id string) {
	if err := h.sessions.End(r.Context(), id); err != nil {
		h.log.Error("console: end session", "err", err)
	}
}

// toLogin sends the browser to the login page, which returns it here
// after login (GET requests only), and drops a stale session cookie.
func (h *Handler) toLogin(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(sessionCookieName); err == nil {
		http.SetCookie(w, sessionCookie(r, "", -1))
	}
	target := prefix + "login"
	if r.Method == http.MethodGet {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// sessionCookie is the session cookie with value id; maxAge < 0 deletes it.
func sessionCookie(r *http.Request, id string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookieName, Value: id, Path: prefix, MaxAge: maxAge,
		HttpOnly: true, Secure: web.Secure(r), SameSite: http.SameSiteStrictMode}
}

// safeNext returns next when it is a console page of this site, else the
// console's start page, so the login form cannot redirect elsewhere.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!strings.HasPrefix(u.Path, prefix) || strings.HasPrefix(u.Path, prefix+"login") ||
		strings.Contains(u.Path, "..") ||
		strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") {
		return prefix
	}
	return u.RequestURI()
}

// message shows a page with one message (an error or a notice).
func (h *Handler) message(w http.ResponseWriter, c *request, status int, title, msg string) {
	p := c.page(title, "", nil)
	if status >= 400 {
		p.Error = msg
	} else {
		p.Notice = msg
	}
	h.render(w, status, "message.html", p)
}
