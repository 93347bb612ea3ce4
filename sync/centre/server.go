package centre

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// Server is the centre's HTTP service. Create it with New; serve
// Handler(); call Close when done to end the agent connections (an
// http.Server's Shutdown does not see hijacked websockets).
type Server struct {
	cfg      Config
	upgrader websocket.Upgrader
	hub      hub

	// publishMu makes publishing and blocking one at a time, so "latest+1"
	// is never computed twice for the same version.
	publishMu sync.Mutex
	// ledgerMu lets Apply calls run together (read side) and gives the
	// read-modify-write of accounts (blocking cards, importing) the ledger
	// to itself (write side), so no charge is lost between read and write.
	ledgerMu sync.RWMutex

	// bundleMsg caches the latest bundle, encoded as a message, so a
	// publish to many agents encodes it once.
	bundleMsg atomic.Pointer[encodedDoc]

	metrics *metrics

	logins          loginCache      // recently verified supervisor credentials
	consoleSessions consoleSessions // logged-in browsers of the review console

	ctx    context.Context // ends when Close is called; parent of every agent's work
	cancel context.CancelFunc
	mu     sync.Mutex // guards closed and conns.Add
	closed bool
	conns  sync.WaitGroup
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, ctx: ctx, cancel: cancel}
	s.upgrader = websocket.Upgrader{ReadBufferSize: 32 << 10, WriteBufferSize: 32 << 10}
	s.hub.conns = make(map[string]*agentConn)
	if s.metrics, err = newMetrics(cfg.Registerer, func() int { return len(s.hub.all()) }); err != nil {
		cancel()
		return nil, err
	}
	return s, nil
}

// Handler returns the routes of the centre:
//
//	GET  /v1/agent                 agent websocket (terminal bearer token)
//	GET  /healthz                  "ok"
//	GET  /metrics                  Prometheus metrics, counts only (no auth: for the regional network's Prometheus)
//	GET  /api/transactions         supervisor API (HTTP Basic)
//	GET  /api/terminals
//	GET  /api/accounts/{card_no}
//	GET  /api/reconciliations      daily reconciliation results
//	POST /api/publish              administrators only
//	POST /admin/publish            admin API (bearer admin token, loopback)
//	POST /admin/accounts/import
//	POST /admin/enrol
//	POST /admin/users
//	POST /admin/block
//	     /console/...              supervisors' review console (login form, session cookie)
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/agent", s.serveAgent)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})
	if s.metrics.handler != nil {
		mux.Handle("GET /metrics", s.metrics.handler)
	}
	mux.Handle("GET /api/transactions", s.requireUser(false, s.handleTransactions))
	mux.Handle("GET /api/terminals", s.requireUser(false, s.handleTerminals))
	mux.Handle("GET /api/accounts/{card_no}", s.requireUser(false, s.handleAccount))
	mux.Handle("GET /api/reconciliations", s.requireUser(false, s.handleReconciliations))
	mux.Handle("POST /api/publish", s.requireUser(true, s.handlePublish))
	mux.Handle("POST /admin/publish", s.requireAdminToken(s.handlePublish))
	mux.Handle("POST /admin/accounts/import", s.requireAdminToken(s.handleImport))
	mux.Handle("POST /admin/enrol", s.requireAdminToken(s.handleEnrol))
	mux.Handle("POST /admin/users", s.requireAdminToken(s.handleAddUser))
	mux.Handle("POST /admin/block", s.requireAdminToken(s.handleBlock))
	s.consoleRoutes(mux)
	return mux
}

// Connected reports whether a terminal has a live websocket now.
func (s *Server) Connected(terminal string) bool {
	return s.hub.get(terminal) != nil
}

// Close ends every agent connection, refuses new ones and waits until
// their goroutines have finished, so the store can be closed after it.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	for _, c := range s.hub.all() {
		c.closeWith(websocket.CloseGoingAway, "centre shutting down")
	}
	s.conns.Wait()
	return nil
}

// track counts a new agent connection unless the server is closing.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns.Add(1)
	return true
}
