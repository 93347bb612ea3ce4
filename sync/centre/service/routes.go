package service

import (
	"crypto/ed25519"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"posagent/internal/cardproof"
	"posagent/sync/centre"
	"posagent/sync/centre/agentws"
	"posagent/sync/centre/api"
	"posagent/sync/centre/console"
	"posagent/sync/centre/metrics"
	"posagent/sync/wire"
)

// build makes the centre and its parts and routes them on one mux, behind
// the trusted proxies' reading of each request (web.OriginOf; HSTS on
// every answer of a secure request):
//
//	GET  /v1/agent     agent websocket (terminal bearer token)
//	GET  /healthz      "ok"
//	GET  /metrics      Prometheus metrics, counts only (no auth: for the regional network's Prometheus)
//	     /api/...      supervisor API (HTTP Basic)
//	     /admin/...    admin API (bearer admin token, loopback)
//	     /console/...  supervisors' review console (login form, session cookie)
func (s *Service) build(key ed25519.PrivateKey, issuer cardproof.IssuerKey) error {
	cfg := s.cfg
	m, metricsHandler, err := newMetrics(cfg.Registerer)
	if err != nil {
		return err
	}
	s.centre, err = centre.New(centre.Config{Store: cfg.Store, SigningKey: key, IssuerKey: issuer, Logger: cfg.Logger,
		Clock: cfg.Clock, Location: cfg.Location, HistoryDays: cfg.HistoryDays, PasswordCost: cfg.PasswordCost,
		LookupRate: cfg.LookupRate, LookupBurst: cfg.LookupBurst, EntryQuota: cfg.EntryQuota, Observer: m, RecordChecksOnly: cfg.RecordChecksOnly})
	if err != nil {
		return err
	}
	if s.agents, err = agentws.New(agentws.Config{Centre: s.centre}); err != nil {
		return err
	}
	s.centre.SetNotifier(s.agents)
	m.CountConnected(s.agents.Count)
	logins := new(api.Logins) // one cache: a password checked by either is remembered for both
	apiServer, err := api.New(api.Config{Centre: s.centre, AdminToken: s.token, Logins: logins,
		Connected: s.agents.Connected})
	if err != nil {
		return err
	}
	if s.console, err = console.New(console.Config{Centre: s.centre, Logins: logins,
		Connected: s.agents.Connected}); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+wire.AgentPath, noDeadlines(s.agents))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})
	if metricsHandler != nil {
		mux.Handle("GET /metrics", metricsHandler)
	}
	mux.Handle("/api/", apiServer)
	mux.Handle("/admin/", apiServer)
	mux.Handle("/console", s.console)
	mux.Handle("/console/", s.console)
	s.handler = cfg.TrustedProxies.Wrap(mux) // https or not, and whose request, worked out once
	return nil
}

// newMetrics registers the centre's metrics with reg. A nil reg means a
// registry of the service's own, with the Go runtime and process metrics;
// a reg that is also a prometheus.Gatherer (a *prometheus.Registry is) is
// served at /metrics, another is the embedding program's to serve.
func newMetrics(reg prometheus.Registerer) (*metrics.Metrics, http.Handler, error) {
	if reg == nil {
		own := prometheus.NewRegistry()
		for _, c := range []prometheus.Collector{collectors.NewGoCollector(),
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
			if err := own.Register(c); err != nil {
				return nil, nil, fmt.Errorf("metrics: %w", err)
			}
		}
		reg = own
	}
	m, err := metrics.New(reg)
	if err != nil {
		return nil, nil, err
	}
	var h http.Handler
	if g, ok := reg.(prometheus.Gatherer); ok {
		h = promhttp.HandlerFor(g, promhttp.HandlerOpts{})
	}
	return m, h, nil
}

// noDeadlines lifts the server's read and write timeouts for a long-lived
// route (the agents' websocket, which keeps its own deadlines and pings).
// net/http also clears them when the upgrade hijacks the connection; this
// keeps the route exempt whatever the upgrade does.
func noDeadlines(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
		h.ServeHTTP(w, r)
	})
}
