package agentws

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"

	"posagent/sync/centre"
)

// Config is what a Server needs.
type Config struct {
	// Centre does everything but the connection. Required.
	Centre *centre.Centre
	// Logger receives the connections' logs; nil means the Centre's.
	Logger *slog.Logger
}

// Server is the agents' end of the sync protocol: serve it at
// GET wire.AgentPath. It implements centre.Notifier, so set it as the
// Centre's. Call Close when done to end the agent connections (an
// http.Server's Shutdown does not see hijacked websockets).
type Server struct {
	centre   *centre.Centre
	log      *slog.Logger
	upgrader websocket.Upgrader
	hub      hub

	ctx    context.Context // ends when Close is called; parent of every agent's work
	cancel context.CancelFunc
	mu     sync.Mutex // guards closed and conns.Add
	closed bool
	conns  sync.WaitGroup
}

var (
	_ http.Handler    = (*Server)(nil)
	_ centre.Notifier = (*Server)(nil)
)

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Centre == nil {
		return nil, errors.New("agentws config: Centre is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = cfg.Centre.Logger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{centre: cfg.Centre, log: cfg.Logger, ctx: ctx, cancel: cancel}
	s.upgrader = websocket.Upgrader{ReadBufferSize: 32 << 10, WriteBufferSize: 32 << 10}
	s.hub.conns = make(map[string]*conn)
	return s, nil
}

// Connected reports whether a terminal has a live websocket now.
func (s *Server) Connected(terminal string) bool {
	return s.hub.get(terminal) != nil
}

// Count is the number of agents with a live websocket now.
func (s *Server) Count() int {
	return len(s.hub.all())
}

// SignedStored offers a newly stored signed document to every connected
// agent; it never blocks.
func (s *Server) SignedStored() { s.hub.kickAll() }

// TerminalRekeyed closes the terminal's connection: it was made with the
// token the terminal had before.
func (s *Server) TerminalRekeyed(terminal string) { s.hub.drop(terminal, "terminal re-enrolled") }

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
