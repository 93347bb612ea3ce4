package cashier

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"posagent/agent"
	"posagent/internal/web"
)

//go:embed assets
var assets embed.FS

// Prefix is the path the page is served under; everything else on the
// agent's address is the POS API.
const Prefix = "/cashier/"

// Config configures the cashier page.
type Config struct {
	Agent *agent.Agent
	// Token is the POS API token; the operator exchanges it once for a
	// session at /cashier/login?token=…
	Token  string
	Logger *slog.Logger
	// Context ends the page's event streams when it is done (hijacked
	// websockets outlive http.Server.Shutdown); default: never.
	Context context.Context
	// SessionIdle ends a session not used for this long; default 12 hours
	// (a shift). MaxSessions bounds the sessions kept; the least recently
	// used goes first; default 32.
	SessionIdle time.Duration
	MaxSessions int
}

// Handler serves the cashier page under Prefix.
type Handler struct {
	ctx      context.Context
	agent    *agent.Agent
	token    string
	log      *slog.Logger
	sessions *web.MemorySessions[struct{}]
	pages    *template.Template
	mux      *http.ServeMux
}

// New returns the cashier page for an agent.
func New(cfg Config) (*Handler, error) {
	if cfg.Agent == nil {
		return nil, errors.New("cashier: Agent is required")
	}
	if cfg.Token == "" {
		return nil, errors.New("cashier: the API token must not be empty")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 12 * time.Hour
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 32
	}
	pages, err := template.ParseFS(assets, "assets/*.html")
	if err != nil {
		return nil, err
	}
	h := &Handler{
		ctx: cfg.Context, agent: cfg.Agent, token: cfg.Token, log: cfg.Logger, pages: pages,
		sessions: web.NewMemorySessions[struct{}](cfg.Agent.Clock(),
			web.SessionLimits{Idle: cfg.SessionIdle, Max: cfg.MaxSessions}),
	}
	h.routes()
	return h, nil
}

func (h *Handler) routes() {
	static, _ := fs.Sub(assets, "assets/static")
	m := http.NewServeMux()
	m.HandleFunc("GET /cashier/{$}", h.page)
	m.HandleFunc("GET /cashier/login", h.login)
	m.HandleFunc("POST /cashier/logout", h.post(h.logout))
	files := http.StripPrefix("/cashier/static/", http.FileServerFS(static))
	m.Handle("GET /cashier/static/{file}", files) // files only, no folder listing
	m.HandleFunc("GET /cashier/api/status", h.authed(h.status))
	m.HandleFunc("GET /cashier/api/card", h.authed(h.card))
	m.HandleFunc("GET /cashier/api/item", h.authed(h.item))
	m.HandleFunc("GET /cashier/api/events", h.authed(h.events))
	m.HandleFunc("GET /cashier/api/transactions", h.authed(h.transactions))
	m.HandleFunc("POST /cashier/api/quote", h.post(h.quote))
	m.HandleFunc("POST /cashier/api/charge", h.post(h.charge))
	m.HandleFunc("POST /cashier/api/void", h.post(h.void))
	h.mux = m
}

var _ http.Handler = (*Handler)(nil)

// ServeHTTP sets the page's security headers and routes the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	headers.Set(w)
	h.mux.ServeHTTP(w, r)
}

// headers are set on every answer of the page: scripts, styles and
// connections only from this origin; no framing (a framed page could be
// clicked into charging); no referrer; nothing cached.
var headers = web.Headers{
	CSP: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
}

// langChoice keeps the cashier's choice of language.
var langChoice = web.LangChoice{Cookie: langCookie, Path: Prefix}

// langCookie is the name of the language cookie.
const langCookie = "posagent_lang"

// authed lets a request through only with a live session cookie.
func (h *Handler) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.loggedIn(r) {
			writeError(w, errNotLoggedIn())
			return
		}
		next(w, r)
	}
}

// post is authed plus the X-Cashier header: a cross-site form or image
// cannot set a custom header, and a cross-site script would need a CORS
// preflight this server never grants.
func (h *Handler) post(next http.HandlerFunc) http.HandlerFunc {
	return h.authed(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(csrfHeader) != "1" {
			writeError(w, errMissingHeader())
			return
		}
		next(w, r)
	})
}

// csrfHeader must be "1" on every POST of the page.
const csrfHeader = "X-Cashier"
