// Package api is the centre's JSON API over HTTP, the mirror of agent/api:
// the supervisor API under /api/ (HTTP Basic credentials of a user from
// `centre user add`) and the admin API under /admin/ (the bearer admin
// token of the data directory, loopback only) that the CLI uses while a
// centre runs. It owns authentication of those requests (with a cache of
// recently verified passwords), query parsing, request and answer bodies
// and the errors' {code, message, message_zh}.
//
// Every operation is the Centre's (sync/centre); the API decodes, calls
// and encodes. Reads of personal data (records, accounts, look-ups,
// samples) and every CSV export are written to the audit log as done by
// the requesting user. The supervisors' console (sync/centre/console) shares its
// logins cache, filter parsing and terminal view.
package api

import (
	"errors"
	"log/slog"
	"net/http"

	"posagent/sync/centre"
)

// Config is what a Server needs.
type Config struct {
	// Centre does the work. Required.
	Centre *centre.Centre
	// AdminToken is the bearer token of the /admin API; empty disables it.
	AdminToken string
	// Logins remembers verified passwords; nil means a cache of the
	// Server's own. Give the console the same one.
	Logins *Logins
	// Connected reports whether a terminal has a live websocket; nil
	// means none has.
	Connected func(terminal string) bool
	// Logger receives the API's logs; nil means the Centre's.
	Logger *slog.Logger
}

// Server serves the supervisor and admin API:
//
//	GET  /api/transactions         supervisor API (HTTP Basic)
//	GET  /api/terminals
//	GET  /api/accounts/{card_no}
//	GET  /api/reconciliations      daily reconciliation results
//	GET  /api/lookups              terminals' account look-ups and their alerts
//	GET  /api/sample               a pharmacy's review sample for a period
//	GET  /api/settlement           a pharmacy's monthly settlement (JSON or CSV)
//	GET  /api/history              a pharmacy's or a person's month, day by day
//	GET  /api/audit                the audit log, newest first (JSON or CSV)
//	GET  /api/audit/verify         how much of the audit log's hash chain holds
//	POST /api/publish              administrators only
//	POST /admin/publish            admin API (bearer admin token, loopback)
//	POST /admin/accounts/import
//	POST /admin/enrol
//	POST /admin/vouchers
//	POST /admin/users
//	POST /admin/block
//	POST /admin/terminals/{terminal}/rebase
//	GET  /admin/audit/verify
type Server struct {
	centre     *centre.Centre
	adminToken string
	logins     *Logins
	connected  func(string) bool
	log        *slog.Logger
	mux        *http.ServeMux
}

var _ http.Handler = (*Server)(nil)

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Centre == nil {
		return nil, errors.New("api config: Centre is required")
	}
	if cfg.Logins == nil {
		cfg.Logins = new(Logins)
	}
	if cfg.Connected == nil {
		cfg.Connected = func(string) bool { return false }
	}
	if cfg.Logger == nil {
		cfg.Logger = cfg.Centre.Logger()
	}
	s := &Server{centre: cfg.Centre, adminToken: cfg.AdminToken, logins: cfg.Logins,
		connected: cfg.Connected, log: cfg.Logger}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	mux := http.NewServeMux()
	mux.Handle("GET /api/transactions", s.requireUser(false, s.audited("transactions", true, s.handleTransactions)))
	mux.Handle("GET /api/terminals", s.requireUser(false, s.handleTerminals))
	mux.Handle("GET /api/accounts/{card_no}", s.requireUser(false, s.audited("account", true, s.handleAccount)))
	mux.Handle("GET /api/reconciliations", s.requireUser(false, s.handleReconciliations))
	mux.Handle("GET /api/lookups", s.requireUser(false, s.audited("lookups", true, s.handleLookups)))
	mux.Handle("GET /api/sample", s.requireUser(false, s.audited("sample", true, s.handleSample)))
	mux.Handle("GET /api/settlement", s.requireUser(false, s.audited("settlement", false, s.handleSettlement)))
	mux.Handle("GET /api/history", s.requireUser(false, s.audited("history", true, s.handleHistory)))
	mux.Handle("GET /api/audit", s.requireUser(false, s.handleAudit))
	mux.Handle("GET /api/audit/verify", s.requireUser(false, s.handleAuditVerify))
	mux.Handle("POST /api/publish", s.requireUser(true, s.handlePublish))
	mux.Handle("POST /api/holds/{terminal}/{seq}", s.requireUser(false, s.handleRuleHold))
	mux.Handle("GET /api/holds/{terminal}/{seq}/rulings", s.requireUser(false, s.handleRulings))
	mux.Handle("POST /admin/publish", s.requireAdminToken(s.handlePublish))
	mux.Handle("POST /admin/accounts/import", s.requireAdminToken(s.handleImport))
	mux.Handle("POST /admin/enrol", s.requireAdminToken(s.handleEnrol))
	mux.Handle("POST /admin/users", s.requireAdminToken(s.handleAddUser))
	mux.Handle("POST /admin/vouchers", s.requireAdminToken(s.handleVoucher))
	mux.Handle("POST /admin/block", s.requireAdminToken(s.handleBlock))
	mux.Handle("POST /admin/terminals/{terminal}/rebase", s.requireAdminToken(s.handleRebase))
	mux.Handle("GET /admin/audit/verify", s.requireAdminToken(s.handleAuditVerify))
	s.mux = mux
}

// ServeHTTP routes a request of /api/ or /admin/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}
