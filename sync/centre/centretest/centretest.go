// Package centretest is the centre side's test equipment (bbolt's
// btesting is the model): Start runs a real centre — the service over a
// temporary data directory with the embedded store, a signing key, an
// admin token, a fake clock and a quiet logger; Options.Store puts it on
// PostgreSQL instead (internal/pgtest) — and its helpers fill it
// (accounts, terminals, users, the sample data of testdata/) and talk to
// it as an agent (a raw websocket), a supervisor or the CLI would (HTTP).
// Chain builds properly chained journal entries of a terminal; Rogue is
// a rogue terminal sending forged ones with a real token.
//
// It is for tests only: the tests of agentws, api, console, service,
// metrics, cmd/centre, sync/client and the end-to-end ones share it.
package centretest

import (
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"posagent/internal/cardproof"
	"posagent/internal/clock"
	"posagent/internal/pgtest"
	"posagent/internal/sample"
	"posagent/internal/web"
	"posagent/policy"
	"posagent/sync/centre"
	"posagent/sync/centre/datadir"
	"posagent/sync/centre/service"
	"posagent/sync/centre/store"
	"posagent/sync/centre/store/pgstore"
	"posagent/sync/wire"
)

// A small catalogue and rules, valid for Publish.
const (
	Catalogue = "code,name,barcodes,class,category,rx,price_cap,self_pay_bp,days_per_unit,max_days,chronic_max_days,diseases,min_age,max_age,sex\n" +
		"X001,Amoxicillin,6901234567890,A,drug,1,2500,0,1,0,0,,,,\n" +
		"X002,Metformin,6901234567891,B,drug,0,0,1000,0.5,0,30,E11,,,\n"
	Rules = `{"daily_count": 3, "business_hours": "08:00-22:00"}`
)

// The users Users adds.
const (
	SupervisorName     = "sup"
	SupervisorPassword = "sup-password"
	AdminName          = "adm"
	AdminPassword      = "adm-password"
)

// Epoch is where a centre's fake clock starts unless Options.Start says
// otherwise: a weekday morning in the region's zone.
var Epoch = time.Date(2026, 4, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// Options tune Start. The zero value is what most tests want.
type Options struct {
	// Start is the fake clock's first reading; zero means Epoch.
	Start time.Time
	// Registerer receives the centre's metrics; nil means a registry of
	// the centre's own, served at /metrics.
	Registerer prometheus.Registerer
	// Sample imports testdata/accounts.csv and publishes
	// testdata/catalogue.csv and rules.json as version 1, a month before
	// Start (the clock is then set to Start), so sales dated before Start
	// were made under it.
	Sample bool
	// RecordChecksOnly turns off re-judging synced records against the
	// rules (centre.Config.RecordChecksOnly), for tests of the sync
	// protocol whose made-up records name no published rules.
	RecordChecksOnly bool
	// EntryQuota is the centre's daily entry quota per terminal; 0 means
	// centre.DefaultEntryQuota.
	EntryQuota int
	// Limits are the HTTP server's (service.Config.Limits); zero fields
	// take the defaults.
	Limits service.Limits
	// TrustedProxies are the reverse proxies the centre believes
	// (service.Config.TrustedProxies); nil trusts none.
	TrustedProxies web.TrustedProxies
	// IssuerKey is the region's card issuer key, written to the data
	// directory (datadir.SaveIssuerKey) for the centre to load as
	// `centre run` does; nil: the centre judges no card presence.
	IssuerKey cardproof.IssuerKey
	// Store is the store the centre runs on: StoreBolt (the zero value,
	// the embedded store in the data directory) or StorePostgres (an
	// empty database of the test's own, see internal/pgtest: the test is
	// skipped when PostgreSQL is not installed, unless
	// POSAGENT_REQUIRE_ALL=1). A package whose tests use StorePostgres
	// should run them through pgtest.Main.
	Store StoreKind
}

// StoreKind names a store implementation.
type StoreKind string

// The stores a test centre can run on.
const (
	StoreBolt     StoreKind = "bolt"
	StorePostgres StoreKind = "postgres"
)

// Stores lists every store, for tests that run on each (t.Run(string(kind), …)).
var Stores = []StoreKind{StoreBolt, StorePostgres}

// Centre is a running test centre. It stops when the test ends.
type Centre struct {
	T       testing.TB
	Dir     string // the data directory
	Service *service.Service
	Clock   *clock.Fake       // the centre's clock: move it, it never moves by itself
	Pub     ed25519.PublicKey // verifies what it signs
}

// QuietLogger drops every record.
func QuietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Start starts a centre with the zero Options.
func Start(t testing.TB) *Centre { return StartWithOptions(t, Options{}) }

// StartWithOptions starts a centre on a new data directory.
func StartWithOptions(t testing.TB, o Options) *Centre {
	t.Helper()
	if o.Start.IsZero() {
		o.Start = Epoch
	}
	dir := t.TempDir()
	pubPath, err := datadir.Keygen(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := wire.ReadPublicKey(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	if o.IssuerKey != nil {
		if err := datadir.SaveIssuerKey(dir, o.IssuerKey); err != nil {
			t.Fatal(err)
		}
	}
	st := openStore(t, o.Store, dir)
	fake := clock.NewFake(o.Start)
	if o.Sample { // the sample is published a month before the tests' sales
		fake = clock.NewFake(o.Start.AddDate(0, -1, 0))
	}
	svc, err := service.Start(context.Background(), service.Config{DataDir: dir, Listen: "127.0.0.1:0",
		Store: st, Logger: QuietLogger(), Clock: fake, PasswordCost: bcrypt.MinCost, Registerer: o.Registerer,
		RecordChecksOnly: o.RecordChecksOnly, EntryQuota: o.EntryQuota, Limits: o.Limits, TrustedProxies: o.TrustedProxies})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	c := &Centre{T: t, Dir: dir, Service: svc, Clock: fake, Pub: pub}
	if o.Sample {
		c.ImportSample()
		fake.Set(o.Start)
	}
	return c
}

// openStore opens the store of kind for a centre on dir.
func openStore(t testing.TB, kind StoreKind, dir string) store.Store {
	t.Helper()
	switch kind {
	case "", StoreBolt:
		st, err := datadir.OpenBolt(dir, store.BoltOptions{Logger: QuietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		return st
	case StorePostgres:
		dsn := pgtest.Start(t) // skips (or fails) the test without PostgreSQL
		st, err := pgstore.Open(context.Background(), dsn, pgstore.Options{Logger: QuietLogger()})
		if err != nil {
			t.Fatalf("open the PostgreSQL store: %v", err)
		}
		return st
	}
	t.Fatalf("centretest: unknown store %q", kind)
	return nil
}

// Centre is the running centre's domain object.
func (c *Centre) Centre() *centre.Centre { return c.Service.Centre() }

// Store is the centre's store.
func (c *Centre) Store() store.Store { return c.Service.Store() }

// Now is the centre's time.
func (c *Centre) Now() time.Time { return c.Clock.Now() }

// Location is the centre's zone.
func (c *Centre) Location() *time.Location { return c.Centre().Location() }

// URL is the centre's HTTP base URL.
func (c *Centre) URL() string { return c.Service.URL() }

// WSURL is the agents' websocket URL.
func (c *Centre) WSURL() string { return "ws://" + c.Service.Addr() + wire.AgentPath }

// Enrol enrols a terminal and returns its token.
func (c *Centre) Enrol(terminal, pharmacy string) string {
	c.T.Helper()
	tok, err := c.Centre().Enrol(context.Background(), terminal, pharmacy)
	if err != nil {
		c.T.Fatal(err)
	}
	return tok
}

// Accounts stores accounts with the given balances, all active.
func (c *Centre) Accounts(balances map[string]int64) {
	c.T.Helper()
	var hs []policy.Holder
	for card, bal := range balances {
		hs = append(hs, policy.Holder{CardNo: card, Name: "持卡人" + card, Status: "active", Balance: bal})
	}
	if err := c.Store().ImportAccounts(context.Background(), hs); err != nil {
		c.T.Fatal(err)
	}
}

// Users adds the supervisor SupervisorName and the administrator
// AdminName with their passwords.
func (c *Centre) Users() {
	c.T.Helper()
	c.AddUser(SupervisorName, store.RoleSupervisor, SupervisorPassword)
	c.AddUser(AdminName, store.RoleAdmin, AdminPassword)
}

// AddUser adds (or replaces) a user.
func (c *Centre) AddUser(name, role, password string) {
	c.T.Helper()
	if err := c.Centre().AddUser(context.Background(), name, role, password); err != nil {
		c.T.Fatal(err)
	}
}

// ImportSample imports the sample accounts and publishes the sample
// catalogue and rules of testdata/.
func (c *Centre) ImportSample() {
	c.T.Helper()
	ctx := context.Background()
	td := Testdata(c.T)
	f, err := os.Open(filepath.Join(td, "accounts.csv"))
	if err != nil {
		c.T.Fatal(err)
	}
	defer f.Close()
	if _, err := c.Centre().ImportAccountsCSV(ctx, f); err != nil {
		c.T.Fatal(err)
	}
	cat, err := os.ReadFile(filepath.Join(td, "catalogue.csv"))
	if err != nil {
		c.T.Fatal(err)
	}
	rules, err := os.ReadFile(filepath.Join(td, "rules.json"))
	if err != nil {
		c.T.Fatal(err)
	}
	if _, err := c.Centre().Publish(ctx, cat, rules); err != nil {
		c.T.Fatal(err)
	}
}

// Testdata is the repository's testdata folder.
func Testdata(t testing.TB) string { return sample.Dir(t) }

// Balance is a card's balance at the centre.
func (c *Centre) Balance(card string) int64 {
	c.T.Helper()
	h, err := c.Store().Account(context.Background(), card)
	if err != nil {
		c.T.Fatal(err)
	}
	return h.Balance
}

// Terminal is a terminal's sync state at the centre.
func (c *Centre) Terminal(id string) store.Terminal {
	c.T.Helper()
	term, err := c.Store().Terminal(context.Background(), id)
	if err != nil {
		c.T.Fatal(err)
	}
	return term
}

// Txns lists the records f selects.
func (c *Centre) Txns(f store.Filter) []store.Txn {
	c.T.Helper()
	txns, err := c.Store().Transactions(context.Background(), f)
	if err != nil {
		c.T.Fatal(err)
	}
	return txns
}

// Request does one HTTP request against the centre and decodes a JSON
// answer into out (when not nil). A body is sent as application/json
// unless auth sets another Content-Type.
func (c *Centre) Request(method, path string, auth func(*http.Request), body io.Reader, out any) *http.Response {
	c.T.Helper()
	return Request(c.T, method, c.URL()+path, auth, body, out)
}

// Eventually polls cond every 10 ms for up to 5 s of real time.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
