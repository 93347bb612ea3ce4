// Package api serves the local POS API of SPEC §5 over HTTP+JSON: status,
// the card in the reader, reader events over a websocket, quote, charge,
// void and the day's transactions, plus /healthz and /metrics for
// monitoring and POST /v1/reconcile (a day's reconciliation with the
// centre, on demand). Every request needs the bearer token.
// It owns the HTTP shape only; every decision is the agent's.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"posagent/agent"
	"posagent/internal/web"
)

// maxBody bounds a request body; a cart of 200 lines is far below it.
const maxBody = 1 << 20

// Server is the POS API.
type Server struct {
	agent *agent.Agent
	token string
	log   *slog.Logger
	mux   *http.ServeMux
}

// New returns the POS API for an agent. token is the bearer token every
// request must carry; it must not be empty.
func New(a *agent.Agent, token string, log *slog.Logger) (*Server, error) {
	if token == "" {
		return nil, errors.New("api: the API token must not be empty")
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{agent: a, token: token, log: log, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /v1/status", s.status)
	s.mux.HandleFunc("GET /v1/card", s.card)
	s.mux.HandleFunc("GET /v1/events", s.eventsWS)
	s.mux.HandleFunc("POST /v1/quote", s.quote)
	s.mux.HandleFunc("POST /v1/charge", s.charge)
	s.mux.HandleFunc("POST /v1/void", s.void)
	s.mux.HandleFunc("GET /v1/transactions", s.transactions)
	s.mux.HandleFunc("POST /v1/reconcile", s.reconcile)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	return s, nil
}

// ServeMetrics serves h, a Prometheus exposition handler, at GET /metrics
// behind the same bearer token as every other route (Prometheus sends it
// with `authorization: credentials:`). Call it before serving requests.
func (s *Server) ServeMetrics(h http.Handler) {
	s.mux.Handle("GET /metrics", h)
}

var _ http.Handler = (*Server)(nil)

// ServeHTTP checks the token and routes the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeError(w, errorOf(agent.CodeUnauthorized))
		return
	}
	// Unknown paths and wrong methods answer in the API's error shape too,
	// not with ServeMux's plain text.
	if _, pattern := s.mux.Handler(r); pattern == "" {
		probe := r.Clone(r.Context())
		code := agent.CodeNotFound
		for _, m := range []string{"GET", "POST"} {
			probe.Method = m
			if _, p := s.mux.Handler(probe); p != "" {
				code = agent.CodeMethod
			}
		}
		writeError(w, errorOf(code))
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	tok, ok := web.BearerToken(r)
	return ok && web.EqualSecret(tok, s.token)
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	web.WriteJSON(w, http.StatusOK, s.agent.Status())
}

// healthz answers 200 when the terminal can record sales (its journal
// takes a write) and 503 otherwise, with the reader and centre state in
// the body for people.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	h := s.agent.Health()
	status := http.StatusOK
	if h.Status != agent.HealthOK {
		status = http.StatusServiceUnavailable
	}
	web.WriteJSON(w, status, h)
}

func (s *Server) card(w http.ResponseWriter, r *http.Request) {
	c, ok := s.agent.CurrentCard()
	if !ok {
		writeError(w, errorOf(agent.CodeNoCard))
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

func (s *Server) quote(w http.ResponseWriter, r *http.Request) {
	var req agent.QuoteRequest
	if !decode(w, r, &req) {
		return
	}
	q, err := s.agent.Quote(r.Context(), req)
	s.reply(w, r, q, err)
}

func (s *Server) charge(w http.ResponseWriter, r *http.Request) {
	var req agent.ChargeRequest
	if !decode(w, r, &req) {
		return
	}
	// A charge must not be cut short by the POS hanging up: the journal
	// write and the settlement wait run to their own bounds.
	c, err := s.agent.Charge(context.WithoutCancel(r.Context()), req)
	s.reply(w, r, c, err)
}

func (s *Server) void(w http.ResponseWriter, r *http.Request) {
	var req agent.VoidRequest
	if !decode(w, r, &req) {
		return
	}
	v, err := s.agent.Void(context.WithoutCancel(r.Context()), req)
	s.reply(w, r, v, err)
}

func (s *Server) transactions(w http.ResponseWriter, r *http.Request) {
	day := s.agent.Now()
	if d := r.URL.Query().Get("day"); d != "" {
		t, err := time.ParseInLocation("2006-01-02", d, s.agent.Location())
		if err != nil {
			writeError(w, badRequest("day must be YYYY-MM-DD, got %q", d))
			return
		}
		day = t
	}
	txns, err := s.agent.Transactions(day, r.URL.Query().Get("card_no"))
	s.reply(w, r, map[string]any{"transactions": txns}, err)
}

var upgrader = websocket.Upgrader{
	// The API listens on loopback and needs the bearer token; the cashier
	// page is served from the same origin.
	CheckOrigin: func(r *http.Request) bool { return true },
}

// eventsWS streams reader events, one JSON object per message.
func (s *Server) eventsWS(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	StreamEvents(r.Context(), conn, s.agent)
}

// eventsPing is how often an events stream pings an idle connection, by
// the agent's clock.
const eventsPing = 20 * time.Second

// StreamEvents writes the agent's reader events to an upgraded websocket,
// one JSON object per message, with pings, until the client goes, a write
// fails or ctx ends (then it says "going away"). It closes conn. The POS
// API's /v1/events and the cashier page both serve their streams with it.
func StreamEvents(ctx context.Context, conn *websocket.Conn, a *agent.Agent) {
	defer conn.Close()
	events, stop := a.Subscribe()
	defer stop()
	// Read (and discard) client messages so close frames are seen.
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		conn.SetReadLimit(1024)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	ping := a.Clock().NewTicker(eventsPing)
	defer ping.Stop()
	// Write deadlines are the socket's, given to gorilla as wall-clock
	// instants: they bound real network writes, whatever the agent's clock.
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := conn.WriteJSON(ev); err != nil {
				return
			}
		case <-ping.C():
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(5*time.Second)); err != nil {
				return
			}
		case <-gone:
			return
		case <-ctx.Done():
			conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "agent stopping"), time.Now().Add(time.Second))
			return
		}
	}
}

// reply writes v, or the error as {code, message, message_zh}.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		e := agent.AsError(err)
		if Status(e.Code) >= 500 {
			s.log.Error("POS API request failed", "path", r.URL.Path, "code", e.Code, "err", err)
		}
		writeError(w, e)
		return
	}
	web.WriteJSON(w, http.StatusOK, v)
}

// body is how the POS API reads a request: one JSON value of at most
// maxBody bytes. Unlike the UIs' bodies it takes any Content-Type and
// fields it does not know, as it always has: POS software is written
// against SPEC §5 and must not break when it sends more.
var body = web.Body{Limit: maxBody, AnyType: true, AllowUnknown: true}

// decode reads one JSON object from the body, answering 400 when it is
// malformed, too large, or followed by more data.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := body.Decode(w, r, v); err != nil {
		writeError(w, agent.BadRequest(err.Error()))
		return false
	}
	return true
}

func errorOf(code string) *agent.Error { return agent.AsError(agent.NewError(code)) }

func badRequest(format string, args ...any) *agent.Error {
	return agent.BadRequest(fmt.Sprintf(format, args...))
}

func writeError(w http.ResponseWriter, e *agent.Error) {
	if e.Code == agent.CodeUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="posagent"`)
	}
	web.WriteJSON(w, Status(e.Code), e)
}
