// Package daemon wires one terminal together: it opens the journal, starts
// the card reader, the sync client and the POS API, and stops them in order.
// `posagent run`, the OS service and `posagent demo` all start terminals
// through it. It owns configuration and lifetimes, not behaviour.
package daemon

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"posagent/agent"
	"posagent/agent/api"
	"posagent/agent/cashier"
	"posagent/agent/journal"
	"posagent/internal/clock"
	"posagent/reader"
	"posagent/sync/client"
	"posagent/sync/wire"
)

// Config holds every setting of `posagent run`.
type Config struct {
	Data          string `json:"data"`           // directory of the journal
	Listen        string `json:"listen"`         // POS API address, loopback
	APIToken      string `json:"api_token"`      // bearer token of the POS API
	Reader        string `json:"reader"`         // serial port path ("" = no reader)
	ReaderFormat  string `json:"reader_format"`  // track2 or frame
	Baud          int    `json:"baud"`           // serial speed
	Scanner       string `json:"scanner"`        // serial port of the e-voucher QR scanner ("" = none)
	ScannerBaud   int    `json:"scanner_baud"`   // the scanner's serial speed
	Centre        string `json:"centre"`         // ws(s)://host:port of the centre ("" = offline only)
	Terminal      string `json:"terminal"`       // this terminal's id
	TerminalToken string `json:"terminal_token"` // credential from `centre enrol`
	CentreKey     string `json:"centre_key"`     // public key file that signs bundles
	CentreCA      string `json:"centre_ca"`      // PEM file of a private CA for wss:// ("" = system roots)
	Insecure      bool   `json:"insecure"`       // allow ws:// (no TLS) to a host that is not loopback
	TimeZone      string `json:"time_zone"`      // pharmacy's zone, e.g. Asia/Shanghai ("" = system)

	// Clock is the one clock of the agent, the sync client, the reader and
	// the POS API (default the machine's); the scripted demo runs a
	// simulated day on it. Not a setting of the command line.
	Clock clock.Clock `json:"-"`
}

// readerMaxBackoff caps the wait between attempts to reopen a lost card
// reader, so a reader plugged back in serves again within about a second
// however long it was away (the counter needs it back within 2 s).
const readerMaxBackoff = time.Second

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{Data: "posagent-data", Listen: "127.0.0.1:7311", ReaderFormat: "frame", Baud: reader.DefaultBaud,
		ScannerBaud: reader.DefaultBaud}
}

// Validate checks the settings; errors name the setting and the bad value.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("setting %s: %s", name, fmt.Sprintf(format, args...)))
	}
	if c.Data == "" {
		bad("data", "is required")
	}
	if host, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "%q is not host:port: %v", c.Listen, err)
	} else if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		bad("listen", "%q is not a loopback address; the POS API serves this machine only", c.Listen)
	}
	if len(c.APIToken) < 16 {
		bad("api-token", "must be at least 16 characters")
	}
	if c.Reader != "" && c.ReaderFormat != "track2" && c.ReaderFormat != "frame" {
		bad("reader-format", "%q is not track2 or frame", c.ReaderFormat)
	}
	if c.Baud <= 0 {
		bad("baud", "%d is not a positive speed", c.Baud)
	}
	if c.Scanner != "" && c.ScannerBaud <= 0 {
		bad("scanner-baud", "%d is not a positive speed", c.ScannerBaud)
	}
	if c.Scanner != "" && c.Scanner == c.Reader {
		bad("scanner", "%q is also the card reader's port; the scanner needs its own", c.Scanner)
	}
	if c.Terminal == "" {
		bad("terminal", "is required")
	}
	if c.Centre != "" && !strings.HasPrefix(c.Centre, "ws://") && !strings.HasPrefix(c.Centre, "wss://") {
		bad("centre", "%q must start with ws:// or wss://", c.Centre)
	}
	if u, err := url.Parse(c.Centre); c.Centre != "" && err == nil && u.Scheme == "ws" && !c.Insecure && !client.IsLoopback(u.Hostname()) {
		bad("centre", "%q is ws:// (no TLS) to a host that is not loopback: use wss:// or --insecure", c.Centre)
	}
	if c.Centre != "" && c.TerminalToken == "" {
		bad("terminal-token", "is required with --centre")
	}
	if c.CentreKey == "" {
		bad("centre-key", "is required: bundles are only trusted when signed by this key")
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			bad("time-zone", "%q: %v", c.TimeZone, err)
		}
	}
	return errors.Join(errs...)
}

// Daemon is a running terminal.
type Daemon struct {
	Agent   *agent.Agent
	Journal *journal.Journal
	Client  *client.Client // nil without a centre
	Reader  *reader.Reader // nil without a reader
	Scanner *reader.Reader // the QR scanner (reader.FormatScanner); nil without one

	addr   string
	log    *slog.Logger
	srv    *http.Server
	cancel context.CancelFunc
	done   chan error
}

// Start opens the journal and starts every part. It returns once the POS
// API is listening; Wait returns when ctx ends and everything has stopped.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Daemon, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	log = log.With("terminal", cfg.Terminal)
	clk := clock.Or(cfg.Clock)
	loc := time.Local
	if cfg.TimeZone != "" {
		loc, _ = time.LoadLocation(cfg.TimeZone)
	}
	pub, err := wire.ReadPublicKey(cfg.CentreKey)
	if err != nil {
		return nil, fmt.Errorf("setting centre-key: %w", err)
	}
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("setting data: %w", err)
	}
	j, err := journal.Open(filepath.Join(cfg.Data, "journal.db"), journal.Options{Terminal: cfg.Terminal, Logger: log})
	if err != nil {
		return nil, err
	}
	d := &Daemon{Journal: j, log: log, done: make(chan error, 1)}
	fail := func(err error) (*Daemon, error) {
		j.Close()
		return nil, err
	}

	if cfg.Reader != "" {
		d.Reader, err = reader.New(reader.Config{Port: cfg.Reader, Format: reader.Format(cfg.ReaderFormat), Baud: cfg.Baud,
			MaxBackoff: readerMaxBackoff, Logger: log, Clock: clk})
		if err != nil {
			return fail(fmt.Errorf("setting reader: %w", err))
		}
	}
	if cfg.Scanner != "" {
		d.Scanner, err = reader.New(reader.Config{Port: cfg.Scanner, Format: reader.FormatScanner, Baud: cfg.ScannerBaud,
			MaxBackoff: readerMaxBackoff, Logger: log.With("part", "scanner"), Clock: clk})
		if err != nil {
			return fail(fmt.Errorf("setting scanner: %w", err))
		}
	}
	m, metricsHandler, err := newMetrics()
	if err != nil {
		return fail(err)
	}
	acfg := agent.Config{Terminal: cfg.Terminal, Journal: j, CentreKey: pub, Logger: log, Location: loc, Clock: clk,
		Observer: m}
	if d.Reader != nil {
		acfg.ReaderStatus = d.Reader.Status
		acfg.CardSigner, acfg.ReaderPort = readerSigner{d.Reader}, cfg.Reader
	}
	if d.Scanner != nil {
		acfg.ScannerStatus, acfg.ScannerPort = d.Scanner.Status, cfg.Scanner
	}
	d.Agent, err = agent.New(acfg)
	if err != nil {
		return fail(err)
	}
	// A journal whose chain or pages do not verify keeps the terminal up
	// for /healthz and /v1/status but refuses sales (agent.SetJournalFault).
	if err := j.Verify(); err != nil {
		d.Agent.SetJournalFault(err)
	}
	m.Watch(d.Agent.Status)
	if cfg.Centre != "" {
		tlsConf, err := centreTLS(cfg.CentreCA)
		if err != nil {
			return fail(err)
		}
		d.Client, err = client.New(client.Config{
			URL: cfg.Centre, Terminal: cfg.Terminal, Token: cfg.TerminalToken,
			Outbox: j, Handler: d.Agent, Reconciler: d.Agent, Logger: log, Clock: clk, OnAck: m.Acked,
			TLSConfig: tlsConf, Insecure: cfg.Insecure,
		})
		if err != nil {
			return fail(err)
		}
		d.Agent.SetCentre(centreLink{d.Client})
	}

	h, err := api.New(d.Agent, cfg.APIToken, log)
	if err != nil {
		return fail(err)
	}
	h.ServeMetrics(metricsHandler) // GET /metrics, behind the API token
	ctx, d.cancel = context.WithCancel(ctx)
	// The cashier page (agent/cashier) is served beside the POS API.
	page, err := cashier.New(cashier.Config{Agent: d.Agent, Token: cfg.APIToken, Logger: log, Context: ctx})
	if err != nil {
		d.cancel()
		return fail(err)
	}
	mux := http.NewServeMux()
	mux.Handle(cashier.Prefix, page)
	mux.Handle("/", h)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		d.cancel()
		return fail(fmt.Errorf("setting listen: %w", err))
	}
	d.addr = ln.Addr().String()
	d.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go d.run(ctx, ln)
	log.Info("posagent serving", "listen", d.addr, "centre", cfg.Centre, "reader", cfg.Reader, "format", cfg.ReaderFormat,
		"scanner", cfg.Scanner)
	return d, nil
}

// Addr is the POS API's listening address.
func (d *Daemon) Addr() string { return d.addr }

// Stop ends the daemon and waits for it.
func (d *Daemon) Stop() error {
	d.cancel()
	return d.Wait()
}

// Wait waits until the daemon has stopped and returns the first error.
func (d *Daemon) Wait() error {
	err := <-d.done
	d.done <- err // later callers see it too
	return err
}

func (d *Daemon) run(ctx context.Context, ln net.Listener) {
	parts := make(chan error, 5)
	n := 0
	start := func(name string, f func() error) {
		n++
		go func() {
			err := f()
			if err != nil {
				d.log.Error(name+" stopped", "err", err)
			}
			parts <- err
		}()
	}
	start("POS API", func() error {
		if err := d.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("POS API: %w", err)
		}
		return nil
	})
	if d.Client != nil {
		start("sync", func() error { return d.Client.Run(ctx) })
	}
	start("contact", func() error { d.Agent.KeepContact(ctx); return nil })
	if d.Reader != nil {
		start("reader", func() error { return d.Reader.Run(ctx, d.Agent.HandleReaderEvent) })
	}
	if d.Scanner != nil {
		start("scanner", func() error { return d.Scanner.Run(ctx, d.Agent.HandleScannerEvent) })
	}
	<-ctx.Done()
	// Let requests in flight finish (a charge waits at most a few seconds
	// for the centre); then close whatever is left, such as connections a
	// browser opened in advance and never used, which Shutdown would
	// otherwise wait on. A POS whose answer was cut retries with its
	// idempotency key and gets the first answer.
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	var shutErr error
	if err := d.srv.Shutdown(sctx); errors.Is(err, context.DeadlineExceeded) {
		d.log.Warn("POS API connections still open at shutdown; closing them")
		shutErr = d.srv.Close()
	} else {
		shutErr = err
	}
	cancel()
	var first error
	for range n {
		if err := <-parts; err != nil && first == nil {
			first = err
		}
	}
	// A charge still in a handler the server gave up on finishes (or is
	// refused) before the journal closes.
	d.Agent.Stop()
	// Everything that writes the journal has stopped: close it cleanly.
	if err := d.Journal.Close(); err != nil && first == nil {
		first = fmt.Errorf("close journal: %w", err)
	}
	if first == nil && shutErr != nil {
		first = fmt.Errorf("POS API shutdown: %w", shutErr)
	}
	d.log.Info("posagent stopped")
	d.done <- first
}

// centreTLS is the TLS config for wss:// with a private CA's PEM file as
// the only root; nil (the system roots) when caFile is empty.
func centreTLS(caFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("setting centre-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("setting centre-ca: %s holds no PEM certificate", caFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
