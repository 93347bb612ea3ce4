// Package demo stands up a whole posagent world on one machine with no
// hardware: a centre on loopback with the sample data, an enrolled
// terminal, a simulated card reader on a pseudo-terminal, and the agent
// reading it through the real serial driver. `posagent demo`, its scripted
// day and the end-to-end tests all use it; nothing in it is a stand-in
// except the card itself.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
	_ "time/tzdata" // the pharmacy zone must load on machines without a zone database

	"posagent/internal/cardproof"
	"posagent/internal/cardsim"
	"posagent/internal/clock"
	"posagent/reader"
	"posagent/sync/centre/datadir"
	"posagent/sync/centre/service"
	"posagent/sync/centre/store"
)

// Options configure an Env.
type Options struct {
	Dir      string // working directory (journal, centre data); required
	Testdata string // folder with catalogue.csv, rules.json, accounts.csv, cards/; "" finds it
	Format   reader.Format
	Logger   *slog.Logger
	// Terminal and Pharmacy of the agent; defaults T001 and P001.
	Terminal, Pharmacy string
	// TimeZone of the pharmacy; default Asia/Shanghai.
	TimeZone string
	// Clock is the agents' clock; default the machine's. See ClockAt.
	Clock clock.Clock
	// CentreClock is the centre's clock; default Clock (the agents'), so
	// that the centre, which re-judges the time of every record (SPEC §9),
	// sees them dated now whatever the hour a test on ClockAt runs at.
	CentreClock clock.Clock
	// OpenStore opens the centre's store, at every start and restart of
	// the centre (a test puts it on PostgreSQL with pgstore.Open); nil
	// means the embedded store in its data directory. The centre closes
	// what it returns when it stops.
	OpenStore func(ctx context.Context, log *slog.Logger) (store.Store, error)
	// IssuerKey is the region's issuer key the simulated IC cards derive
	// their keys from (SPEC §10); nil makes a new one. Env.IssuerKey holds
	// the one in use.
	IssuerKey cardproof.IssuerKey
}

// ClockAt returns a clock that runs from today's hour:00 in loc onwards,
// so a scripted day sees business hours whatever time it is really run.
func ClockAt(loc *time.Location, hour int) *clock.Offset {
	y, m, d := time.Now().In(loc).Date()
	return clock.At(time.Date(y, m, d, hour, 0, 0, 0, loc))
}

// Supervisor credentials the demo creates.
const (
	SupervisorName     = "supervisor"
	SupervisorPassword = "demo-supervisor-pw"
	AdminName          = "admin"
	AdminPassword      = "demo-admin-pw"
	APIToken           = "demo-pos-api-token-0001"
)

// Env is a running demo world.
type Env struct {
	opts      Options
	log       *slog.Logger
	CentreDir string
	KeyFile   string
	// IssuerKey is the issuer key of the simulated cards (Options.IssuerKey
	// or a new one). The demo gives it to nothing else: whoever checks
	// card proofs takes it from here.
	IssuerKey cardproof.IssuerKey
	cards     *cardsim.Deck // the simulated IC cards, counters in memory
	Centre    *service.Service
	centreAdr string
	// Terminal is the first terminal (its Agent, AgentCfg, POS, Swipe …
	// are promoted); AddTerminal adds more.
	*Terminal
	terminals []*Terminal
}

// Start builds and starts everything. Close stops it.
func Start(ctx context.Context, o Options) (*Env, error) {
	if o.Dir == "" {
		return nil, errors.New("demo: Dir is required")
	}
	if o.Format == "" {
		o.Format = reader.FormatFrame
	}
	if o.Terminal == "" {
		o.Terminal = "T001"
	}
	if o.Pharmacy == "" {
		o.Pharmacy = "P001"
	}
	if o.TimeZone == "" {
		o.TimeZone = "Asia/Shanghai"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if o.Testdata == "" {
		td, err := FindTestdata()
		if err != nil {
			return nil, err
		}
		o.Testdata = td
	}
	if o.IssuerKey == nil {
		k, err := cardproof.NewIssuerKey()
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		o.IssuerKey = k
	}
	e := &Env{opts: o, log: o.Logger, CentreDir: filepath.Join(o.Dir, "centre"),
		IssuerKey: o.IssuerKey, cards: cardsim.NewDeck(o.IssuerKey, nil)}
	if err := e.setUpCentre(ctx); err != nil {
		e.Close()
		return nil, err
	}
	if err := e.startAgent(ctx, o); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// setUpCentre creates the key, starts the centre, imports the sample
// accounts, publishes the sample bundle and creates the users.
func (e *Env) setUpCentre(ctx context.Context) error {
	key, err := datadir.Keygen(e.CentreDir, false)
	if err != nil {
		return fmt.Errorf("demo: keygen: %w", err)
	}
	// The centre verifies the simulated cards' proofs with their issuer key.
	if err := datadir.SaveIssuerKey(e.CentreDir, e.IssuerKey); err != nil {
		return fmt.Errorf("demo: issuer key: %w", err)
	}
	e.KeyFile = key
	if err := e.StartCentre(ctx, "127.0.0.1:0"); err != nil {
		return err
	}
	srv := e.Centre.Centre()
	accounts, err := os.Open(filepath.Join(e.opts.Testdata, "accounts.csv"))
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer accounts.Close()
	if _, err := srv.ImportAccountsCSV(ctx, accounts); err != nil {
		return fmt.Errorf("demo: import accounts: %w", err)
	}
	cat, err := os.ReadFile(filepath.Join(e.opts.Testdata, "catalogue.csv"))
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	rules, err := os.ReadFile(filepath.Join(e.opts.Testdata, "rules.json"))
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if _, err := srv.Publish(ctx, cat, rules); err != nil {
		return fmt.Errorf("demo: publish: %w", err)
	}
	if err := srv.AddUser(ctx, SupervisorName, "supervisor", SupervisorPassword); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := srv.AddUser(ctx, AdminName, "admin", AdminPassword); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// StartCentre starts (or restarts) the centre on listen, on the embedded
// store in CentreDir or on the one Options.OpenStore opens.
func (e *Env) StartCentre(ctx context.Context, listen string) error {
	log := e.log.With("part", "centre")
	var st store.Store
	var err error
	if e.opts.OpenStore != nil {
		st, err = e.opts.OpenStore(ctx, log)
	} else {
		st, err = datadir.OpenBolt(e.CentreDir, store.BoltOptions{Logger: log})
	}
	if err != nil {
		return fmt.Errorf("demo: start centre: %w", err)
	}
	centreClock := e.opts.CentreClock
	if centreClock == nil {
		centreClock = e.opts.Clock
	}
	svc, err := service.Start(ctx, service.Config{DataDir: e.CentreDir, Listen: listen, Logger: log, Store: st,
		Clock: centreClock})
	if err != nil {
		return fmt.Errorf("demo: start centre: %w", err)
	}
	e.Centre, e.centreAdr = svc, svc.Addr()
	return nil
}

// StopCentre stops the centre, as an outage would.
func (e *Env) StopCentre() error {
	if e.Centre == nil {
		return nil
	}
	err := e.Centre.Close()
	e.Centre = nil
	return err
}

// RestartCentre starts the centre again on the address it had.
func (e *Env) RestartCentre(ctx context.Context) error {
	var err error
	for range 50 { // the port may take a moment to be free again
		if err = e.StartCentre(ctx, e.centreAdr); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// CentreURL is the centre's HTTP base URL.
func (e *Env) CentreURL() string { return "http://" + e.centreAdr }

func (e *Env) startAgent(ctx context.Context, o Options) error {
	t, err := e.AddTerminal(ctx, o.Terminal, o.Pharmacy)
	if err != nil {
		return err
	}
	e.Terminal = t
	return nil
}

// IssueVoucher has the centre issue an e-voucher token for a card (as the
// national e-voucher app would show it: scan it with Terminal.Scan).
func (e *Env) IssueVoucher(ctx context.Context, cardNo string) (token string, expires time.Time, err error) {
	if e.Centre == nil {
		return "", time.Time{}, errors.New("demo: issue e-voucher: the centre is stopped")
	}
	return e.Centre.Centre().IssueVoucher(ctx, cardNo)
}

// Card loads a sample card file by name (e.g. "zhang-san").
func (e *Env) Card(name string) (reader.CardFile, error) {
	return reader.LoadCardFile(filepath.Join(e.opts.Testdata, "cards", name+".json"))
}

// Close stops the agents and the centre.
func (e *Env) Close() error {
	var errs []error
	for _, t := range e.terminals {
		errs = append(errs, t.close())
	}
	errs = append(errs, e.StopCentre())
	return errors.Join(errs...)
}

// FindTestdata finds the sample data folder: ./testdata, or testdata beside
// the nearest go.mod above the working directory.
func FindTestdata() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		td := filepath.Join(dir, "testdata")
		if _, err := os.Stat(filepath.Join(td, "catalogue.csv")); err == nil {
			return td, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("demo: sample data not found: run from the posagent repository (it needs testdata/catalogue.csv)")
		}
		dir = parent
	}
}
