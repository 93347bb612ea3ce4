// Package service runs a centre over a data directory, the mirror of
// agent/daemon: `centre run`, `posagent demo` and the tests start centres
// through it. It loads the signing key and the admin token from the data
// directory, builds the Centre with its metrics, the agents' websocket
// end, the supervisor and admin API and the console on one HTTP server,
// writes the address the CLI finds it by, and stops them in order.
//
// It owns configuration and lifetimes, not behaviour. It does not choose
// or open the store: it is given one (cmd/centre chooses between the
// embedded and the PostgreSQL store) and closes it when it stops.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"posagent/internal/clock"
	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/agentws"
	"posagent/sync/centre/console"
	"posagent/sync/centre/datadir"
	"posagent/sync/centre/store"
)

// shutdownTimeout bounds the wait for in-flight HTTP requests at shutdown.
const shutdownTimeout = 10 * time.Second

// Config configures Start: the `centre run` settings.
type Config struct {
	DataDir string // holds admin.token, centre.addr, keys/, issuer.key when the region has one (and centre.db, opened by the caller)
	Listen  string // host:port; port 0 picks a free one (see Service.Addr)
	// Store is the centre's storage, already open. Required. The Service
	// closes it when it stops, also when Start fails.
	Store  store.Store
	Logger *slog.Logger
	// Clock, Location, HistoryDays and PasswordCost are the Centre's (see
	// centre.Config).
	Clock       clock.Clock
	Location    *time.Location
	HistoryDays int
	// LookupRate and LookupBurst rate-limit each terminal's account
	// look-ups (centre.Config); 0 means the defaults.
	LookupRate  float64
	LookupBurst int
	// EntryQuota is the Centre's (centre.Config.EntryQuota).
	EntryQuota int
	// RecordChecksOnly is the Centre's (see centre.Config): test
	// equipment, never set by the centre command.
	RecordChecksOnly bool
	PasswordCost     int
	// Registerer receives the centre's Prometheus metrics. Nil means a
	// registry of the service's own (with Go runtime and process metrics);
	// either way, when it can be gathered it is served at GET /metrics.
	Registerer prometheus.Registerer
	// Limits bounds what one client can hold of the HTTP server. Zero
	// fields take DefaultLimits' values.
	Limits Limits
	// TrustedProxies are the reverse proxies whose X-Forwarded-Proto and
	// X-Forwarded-For the centre believes (web.TrustedProxies): a request
	// over TLS, or relayed by one of them with X-Forwarded-Proto: https,
	// gets Secure cookies and HSTS; login throttling knows its client by
	// X-Forwarded-For. Nil trusts none.
	TrustedProxies web.TrustedProxies
}

// Limits are the HTTP server's timeouts and connection caps. The agents'
// websocket route is exempt from ReadTimeout and WriteTimeout: agentws sets
// its own deadlines and pings.
type Limits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxConns          int // open connections in total
	MaxConnsPerAddr   int // open connections from one remote IP
}

// DefaultLimits suit a regional centre of a few thousand terminals behind
// pharmacies' NATs (several terminals share one address).
var DefaultLimits = Limits{
	ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
	IdleTimeout: 120 * time.Second, MaxConns: 10000, MaxConnsPerAddr: 200,
}

// orDefault fills zero fields from DefaultLimits.
func (l Limits) orDefault() Limits {
	d := DefaultLimits
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = d.ReadTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = d.WriteTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	if l.MaxConns <= 0 {
		l.MaxConns = d.MaxConns
	}
	if l.MaxConnsPerAddr <= 0 {
		l.MaxConnsPerAddr = d.MaxConnsPerAddr
	}
	return l
}

// Service is a running centre over a data directory: the store it was
// given, the signing key loaded from DataDir/keys when present, the admin
// token at DataDir/admin.token (created when missing), the HTTP server
// listening, and its address written to DataDir/centre.addr for the CLI.
// It stops when the context given to Start ends or Close is called.
type Service struct {
	cfg     Config
	centre  *centre.Centre
	agents  *agentws.Server
	console *console.Handler
	handler http.Handler
	store   store.Store
	http    *http.Server
	addr    string
	token   string

	stopOnce sync.Once
	stopped  chan struct{}
	err      error
}

// Start serves the centre until ctx ends or Close.
func Start(ctx context.Context, cfg Config) (_ *Service, err error) {
	defer func() {
		if err != nil && cfg.Store != nil {
			_ = cfg.Store.Close()
		}
	}()
	if cfg.Store == nil {
		return nil, errors.New("start centre: Store is required")
	}
	if cfg.DataDir == "" {
		return nil, errors.New("start centre: DataDir is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("start centre: %w", err)
	}
	svc, err := start(cfg)
	if err != nil {
		return nil, fmt.Errorf("start centre: %w", err)
	}
	go func() {
		select {
		case <-ctx.Done():
			_ = svc.Close()
		case <-svc.stopped:
		}
	}()
	return svc, nil
}

// start builds the centre and its parts on the store and starts listening.
func start(cfg Config) (*Service, error) {
	key, err := datadir.LoadSigningKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if key == nil {
		cfg.Logger.Warn("no signing key: this centre cannot publish until `centre keygen` and a restart")
	}
	issuer, err := datadir.LoadIssuerKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if issuer == nil {
		cfg.Logger.Warn("no card issuer key: card proofs of presence are not judged until `centre keygen --issuer` and a restart")
	}
	token, err := datadir.AdminToken(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	svc := &Service{cfg: cfg, store: cfg.Store, token: token, stopped: make(chan struct{})}
	if err := svc.build(key, issuer); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		_ = svc.agents.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	svc.addr = dialAddr(ln.Addr())
	if err := datadir.WriteAddr(cfg.DataDir, svc.addr); err != nil {
		_ = ln.Close()
		_ = svc.agents.Close()
		return nil, err
	}
	lim := cfg.Limits.orDefault()
	ln = web.LimitListener(ln, lim.MaxConns, lim.MaxConnsPerAddr)
	svc.http = &http.Server{Handler: svc.handler, ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout: lim.ReadTimeout, WriteTimeout: lim.WriteTimeout, IdleTimeout: lim.IdleTimeout,
		ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)}
	go svc.serve(ln)
	cfg.Logger.Info("centre listening", "addr", svc.addr, "data", cfg.DataDir)
	return svc, nil
}

func (s *Service) serve(ln net.Listener) {
	err := s.http.Serve(ln)
	if !errors.Is(err, http.ErrServerClosed) {
		s.stop(fmt.Errorf("serve: %w", err))
	}
}

// dialAddr turns a listen address into one the CLI can dial: an
// unspecified host (":7400", "0.0.0.0") becomes loopback.
func dialAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
		if tcp.IP != nil && tcp.IP.To4() == nil {
			ip = net.IPv6loopback
		}
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}

// Addr is the address the centre listens on, dialable from this machine.
func (s *Service) Addr() string { return s.addr }

// URL is the centre's base URL, e.g. for an agent's --centre ("ws://" +
// Addr()) or the supervisor API ("http://" + Addr()).
func (s *Service) URL() string { return "http://" + s.addr }

// Centre is the running centre's domain object, for in-process use (a
// demo, a test).
func (s *Service) Centre() *centre.Centre { return s.centre }

// Agents is the agents' websocket end: who is connected.
func (s *Service) Agents() *agentws.Server { return s.agents }

// Console is the supervisors' console.
func (s *Service) Console() *console.Handler { return s.console }

// Handler is every route of the centre, as the listener serves them (a
// test may serve them elsewhere too, e.g. over TLS).
func (s *Service) Handler() http.Handler { return s.handler }

// Store is the open store. Do not close it; Close does.
func (s *Service) Store() store.Store { return s.store }

// AdminToken is the admin API's bearer token.
func (s *Service) AdminToken() string { return s.token }

// Wait blocks until the centre has stopped and returns why, nil after a
// clean stop.
func (s *Service) Wait() error {
	<-s.stopped
	return s.err
}

// Close stops the centre gracefully: no new requests, in-flight ones
// finished, agent connections closed, the store closed, centre.addr
// removed. It returns what Wait returns.
func (s *Service) Close() error {
	s.stop(nil)
	return s.Wait()
}

// stop shuts down once; cause is a serving error, nil for a request.
func (s *Service) stop(cause error) {
	s.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		errs := []error{cause}
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown http: %w", err))
		}
		errs = append(errs, s.agents.Close())
		if err := s.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
		errs = append(errs, datadir.RemoveAddr(s.cfg.DataDir))
		s.err = errors.Join(errs...)
		s.cfg.Logger.Info("centre stopped", "err", s.err)
		close(s.stopped)
	})
}
