package console

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"posagent/internal/money"
	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/api"
)

// prefix is where the console lives.
const prefix = "/console/"

//go:embed *.html static
var assets embed.FS

// pageFiles are the pages; each is parsed with layout.html.
var pageFiles = []string{"login.html", "transactions.html", "txn.html", "terminals.html",
	"lookups.html", "sample.html", "settlement.html", "history.html", "audit.html", "publish.html", "message.html",
	"whatif.html"}

// pages are the parsed pages by file name. The templates are part of the
// binary, so a parse error is a programming error caught by any test.
// Each Handler clones them with the functions of its zone (see New).
var pages = parsePages()

func parsePages() map[string]*template.Template {
	pages := make(map[string]*template.Template, len(pageFiles))
	for _, name := range pageFiles {
		t := template.New(name).Funcs(funcs(time.UTC))
		pages[name] = template.Must(t.ParseFS(assets, "layout.html", name))
	}
	return pages
}

// funcs are the template functions, showing times in loc; the page's own
// methods (T, Msg, …) cover what depends on the language.
func funcs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"yuan":     func(fen int64) string { return money.Fen(fen).String() },
		"when":     func(t time.Time) string { return formatWhen(t, loc) },
		"whenFull": formatWhenFull,
		"txnURL":   txnURL,
	}
}

// Config is what a Handler needs.
type Config struct {
	// Centre does the work. Required.
	Centre *centre.Centre
	// Logins remembers verified passwords; nil means a cache of the
	// Handler's own. Give it the API's, so both share one.
	Logins *api.Logins
	// Connected reports whether a terminal has a live websocket; nil
	// means none has.
	Connected func(terminal string) bool
	// Logger receives the console's logs; nil means the Centre's.
	Logger *slog.Logger
}

// Handler serves the console under /console/.
type Handler struct {
	centre    *centre.Centre
	logins    *api.Logins
	connected func(string) bool
	log       *slog.Logger
	sessions  web.Sessions[sessionUser]
	pages     map[string]*template.Template // pages with this centre's zone
	mux       *http.ServeMux
}

var _ http.Handler = (*Handler)(nil)

// New checks cfg and returns a Handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Centre == nil {
		return nil, errors.New("console config: Centre is required")
	}
	if cfg.Logins == nil {
		cfg.Logins = new(api.Logins)
	}
	if cfg.Connected == nil {
		cfg.Connected = func(string) bool { return false }
	}
	if cfg.Logger == nil {
		cfg.Logger = cfg.Centre.Logger()
	}
	h := &Handler{centre: cfg.Centre, logins: cfg.Logins, connected: cfg.Connected, log: cfg.Logger,
		sessions: web.NewMemorySessions[sessionUser](cfg.Centre.Clock(), sessionLimits),
		pages:    make(map[string]*template.Template, len(pages))}
	for name, t := range pages {
		own, err := t.Clone()
		if err != nil {
			return nil, fmt.Errorf("console: page %s: %w", name, err)
		}
		h.pages[name] = own.Funcs(funcs(cfg.Centre.Location()))
	}
	h.routes()
	return h, nil
}

// ServeHTTP sets the console's security headers and routes a request of
// /console or /console/.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	headers.Set(w)
	h.mux.ServeHTTP(w, r)
}

// page is what every page template sees.
type page struct {
	Lang      web.Lang
	Title     string // text key of the page's title
	Nav       string // which menu item is current
	User      string // empty on the login page
	Role      string
	Admin     bool
	CSRF      string // the session's token, for POST forms
	SwitchURL string // this page in the other language
	Error     string // shown above the content
	Notice    string // a success message shown above the content
	Data      any    // the page's own data

	loc *time.Location // the centre's zone, in which times show
	now time.Time
}

// T is the text for key in the page's language.
func (p page) T(key string) string { return texts.T(p.Lang, key) }

// HTMLLang is the page's lang attribute.
func (p page) HTMLLang() string { return p.Lang.HTMLLang() }

// Zone names the zone the console shows times in (the centre's).
func (p page) Zone() string {
	name, _ := p.now.In(p.loc).Zone()
	return name
}

// OtherName is the name of the language the switch offers.
func (p page) OtherName() string { return p.Lang.Other().Name() }

// routes builds the console's routes.
func (h *Handler) routes() {
	mux := http.NewServeMux()
	h.mux = mux
	static, _ := fs.Sub(assets, "static") // cannot fail: the folder is embedded
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, prefix, http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /console/login", h.loginForm)
	mux.HandleFunc("POST /console/login", h.login)
	mux.Handle("POST /console/logout", h.auth(false, api.MaxSmallBody, h.logout))
	mux.Handle("GET /console/{$}", h.auth(false, 0, h.audited("transactions", true, h.transactions)))
	mux.Handle("GET /console/txn/{terminal}/{seq}", h.auth(false, 0, h.audited("record", true, h.txn)))
	mux.Handle("POST /console/txn/{terminal}/{seq}/rule", h.auth(false, api.MaxSmallBody, h.rule))
	mux.Handle("GET /console/terminals", h.auth(false, 0, h.terminals))
	mux.Handle("GET /console/lookups", h.auth(false, 0, h.audited("lookups", true, h.lookups)))
	mux.Handle("GET /console/sample", h.auth(false, 0, h.audited("sample", true, h.sample)))
	mux.Handle("GET /console/settlement", h.auth(false, 0, h.audited("settlement", false, h.settlement)))
	mux.Handle("GET /console/history", h.auth(false, 0, h.audited("history", true, h.history)))
	mux.Handle("GET /console/audit", h.auth(false, 0, h.audit))
	mux.Handle("GET /console/whatif", h.auth(false, 0, h.whatIf))
	mux.Handle("POST /console/whatif", h.auth(false, api.MaxPublishBody, h.runWhatIf))
	mux.Handle("GET /console/publish", h.auth(true, 0, h.publishForm))
	mux.Handle("POST /console/publish", h.auth(true, api.MaxPublishBody, h.publish))
}

// headers are set on every answer of the console: nothing but our own
// stylesheet loads (no script runs), no other site may frame it, nothing
// is cached.
var headers = web.Headers{
	CSP: "default-src 'none'; style-src 'self'; img-src 'self'; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	Referrer: "same-origin",
}

// langChoice remembers the supervisor's choice of language.
var langChoice = web.LangChoice{Cookie: "posagent_console_lang", Path: prefix}

// render answers a page; a template error is a clean 500 rather than
// half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, p page) {
	p.now = h.centre.Now()
	if p.loc == nil {
		p.loc = h.centre.Location()
	}
	t, ok := h.pages[name]
	if !ok {
		h.log.Error("console: no such page", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := web.WriteHTML(w, status, t, "layout", p); err != nil {
		h.log.Error("console: render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}
