package centre

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"posagent/sync/centre/store"
)

// shutdownTimeout bounds the wait for in-flight HTTP requests at shutdown.
const shutdownTimeout = 10 * time.Second

// ServiceConfig configures Start: the `centre run` settings.
type ServiceConfig struct {
	DataDir string // holds centre.db, admin.token, centre.addr, keys/
	Listen  string // host:port; port 0 picks a free one (see Service.Addr)
	Logger  *slog.Logger
	// Now and HistoryDays are passed to the Server (see Config).
	Now         func() time.Time
	HistoryDays int
	// Store, when set, is served instead of the embedded store at
	// DataDir/centre.db (e.g. a PostgreSQL store for --db); the Service
	// closes it when it stops, also when Start fails.
	Store store.Store
	// Registerer is passed to the Server (see Config).
	Registerer prometheus.Registerer
}

// Service is a running centre over a data directory: the store opened
// (and locked) at DataDir/centre.db, the signing key loaded from
// DataDir/keys when present, the admin token at DataDir/admin.token
// (created when missing), the HTTP server listening, and its address
// written to DataDir/centre.addr for the CLI. It stops when the context
// given to Start ends or Close is called.
type Service struct {
	cfg    ServiceConfig
	server *Server
	store  store.Store
	http   *http.Server
	addr   string
	token  string

	stopOnce sync.Once
	stopped  chan struct{}
	err      error
}

// Start opens the data directory and serves until ctx ends or Close.
func Start(ctx context.Context, cfg ServiceConfig) (_ *Service, err error) {
	st := cfg.Store
	defer func() {
		if err != nil && st != nil {
			_ = st.Close()
		}
	}()
	if cfg.DataDir == "" {
		return nil, errors.New("start centre: DataDir is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("start centre: %w", err)
	}
	if st, err = openStore(cfg); err != nil {
		return nil, fmt.Errorf("start centre: %w", err)
	}
	svc, err := start(cfg, st)
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

// openStore returns cfg.Store, or opens the embedded store in DataDir.
func openStore(cfg ServiceConfig) (store.Store, error) {
	if cfg.Store != nil {
		return cfg.Store, nil
	}
	st, err := store.OpenBolt(filepath.Join(cfg.DataDir, StoreFile), store.BoltOptions{Logger: cfg.Logger})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("another centre holds %s: %w", cfg.DataDir, err)
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// start builds the server on an open store and starts listening.
func start(cfg ServiceConfig, st store.Store) (*Service, error) {
	key, err := LoadSigningKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if key == nil {
		cfg.Logger.Warn("no signing key: this centre cannot publish until `centre keygen` and a restart")
	}
	token, err := ensureAdminToken(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	srv, err := New(Config{Store: st, SigningKey: key, AdminToken: token, Logger: cfg.Logger,
		Now: cfg.Now, HistoryDays: cfg.HistoryDays, Registerer: cfg.Registerer})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	svc := &Service{cfg: cfg, server: srv, store: st, token: token, addr: dialAddr(ln.Addr()),
		stopped: make(chan struct{})}
	if err := writeFileAtomic(filepath.Join(cfg.DataDir, AddrFile), []byte(svc.addr+"\n"), 0o644); err != nil {
		_ = ln.Close()
		return nil, err
	}
	svc.http = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second,
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

// Server is the running Server, for in-process use (e.g. a demo).
func (s *Service) Server() *Server { return s.server }

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
		errs = append(errs, s.server.Close())
		if err := s.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
		if err := os.Remove(filepath.Join(s.cfg.DataDir, AddrFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		s.err = errors.Join(errs...)
		s.cfg.Logger.Info("centre stopped", "err", s.err)
		close(s.stopped)
	})
}
