// Package admin is the CLI's administrative client: the operations of
// `centre publish`, `accounts import`, `enrol`, `user add` and `block`,
// done the same way whether or not a centre runs on the data directory.
// While `centre run` holds it (its address in centre.addr answers), they
// go through that centre's admin API, so it also pushes what they
// publish; otherwise they run on the store directly, through a Centre of
// their own.
//
// It owns the discovery of a running centre and the admin API's client.
// It does not choose or open a store: Open is given a function that does
// (cmd/centre's), called only when no centre answers.
package admin

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"posagent/sync/centre"
	"posagent/sync/centre/api"
	"posagent/sync/centre/datadir"
	"posagent/sync/centre/store"
)

// probeTimeout is how long the CLI waits for a running centre to answer
// before concluding that none runs.
const probeTimeout = 500 * time.Millisecond

// Admin is the administrative operations the CLI offers, done either on
// the store directly or, while `centre run` holds the store, through the
// running centre's admin API. Both ways behave alike (same checks, same
// errors: centre.ErrInvalid, centre.ErrNoSigningKey).
type Admin interface {
	// Publish checks, signs and stores the next bundle; returns its version.
	Publish(ctx context.Context, catalogueCSV, rulesJSON []byte) (int64, error)
	// ImportAccountsCSV imports an accounts CSV; returns how many accounts.
	ImportAccountsCSV(ctx context.Context, r io.Reader) (int, error)
	// Enrol creates or re-keys a terminal; returns its token.
	Enrol(ctx context.Context, terminal, pharmacy string) (string, error)
	// IssueVoucher issues an e-voucher token for a card with an account
	// (`centre voucher`); returns it and when it expires.
	IssueVoucher(ctx context.Context, cardNo string) (string, time.Time, error)
	// AddUser creates or replaces a supervisor or administrator.
	AddUser(ctx context.Context, name, role, password string) error
	// BlockCards signs and stores the next blocklist delta; returns its version.
	BlockCards(ctx context.Context, add, remove []string) (int64, error)
	// RebaseTerminal resolves a terminal's JOURNAL_REPLACED mark (`centre
	// terminal rebase`); it returns the mark with its rebase.
	RebaseTerminal(ctx context.Context, terminal, by string) (store.JournalMark, error)
	// VerifyAudit walks the audit log's hash chain (`centre audit
	// verify`): how many events hold and, if one does not, which.
	VerifyAudit(ctx context.Context) (api.AuditChain, error)
	// Via says which way the operations go, for messages.
	Via() string
	// Close releases the store or the connection.
	Close() error
}

// OpenStore opens the store of a data directory on which no centre runs,
// and names it for messages ("store /data/centre.db").
type OpenStore func(ctx context.Context) (st store.Store, via string, err error)

// Open opens dataDir for the CLI: the admin API of the centre running on
// it, or else the store that open opens.
func Open(ctx context.Context, dataDir string, open OpenStore) (Admin, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("open %s: %w", dataDir, err)
	}
	if a, ok := Running(ctx, dataDir); ok {
		return a, nil
	}
	st, via, err := open(ctx)
	if err != nil {
		// Locked but not answering: a centre is starting or stopping.
		return nil, err
	}
	return Direct(st, dataDir, via), nil
}

// Running returns the admin API of the centre running on dataDir, if one
// answers at the address it recorded.
func Running(ctx context.Context, dataDir string) (Admin, bool) {
	addr, aerr := datadir.Addr(dataDir)
	token, terr := datadir.ReadSecret(filepath.Join(dataDir, datadir.AdminTokenFile)) // never created here
	if aerr != nil || terr != nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/healthz", nil)
	if err != nil {
		return nil, false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, false
	}
	return Remote(addr, token), true
}

// Direct runs the operations on st, with the signing key of dataDir when
// they publish; Close closes st. via names st for messages.
func Direct(st store.Store, dataDir, via string) Admin {
	return &direct{st: st, dataDir: dataDir, via: via}
}

// direct runs the operations on the store it holds, through a Centre of
// its own with nobody to notify, as the actor centre.ActorCLI. Its logs below
// Error are dropped: every failure is the operation's error, and the CLI
// prints what was done; what is logged at Error (an audit log event that
// could not be appended after the operation succeeded) goes to stderr.
type direct struct {
	st      store.Store
	dataDir string
	via     string
}

var _ Admin = (*direct)(nil)

// centre is a Centre on the store; key is its signing key (nil: none).
func (a *direct) centre(key ed25519.PrivateKey) (*centre.Centre, error) {
	return centre.New(centre.Config{Store: a.st, SigningKey: key, Logger: errorsOnly})
}

// signer is a Centre that signs with dataDir's key; op names the
// operation in errors.
func (a *direct) signer(op string) (*centre.Centre, error) {
	key, err := datadir.LoadSigningKey(a.dataDir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return a.centre(key)
}

// errorsOnly is the direct Centre's logger.
var errorsOnly = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

func (a *direct) Via() string { return a.via }

func (a *direct) Close() error { return a.st.Close() }

func (a *direct) Publish(ctx context.Context, catalogueCSV, rulesJSON []byte) (int64, error) {
	ctx = centre.WithActor(ctx, centre.ActorCLI)
	c, err := a.signer("publish")
	if err != nil {
		return 0, err
	}
	doc, err := c.Publish(ctx, catalogueCSV, rulesJSON)
	return doc.Version, err
}

func (a *direct) BlockCards(ctx context.Context, add, remove []string) (int64, error) {
	ctx = centre.WithActor(ctx, centre.ActorCLI)
	c, err := a.signer("block cards")
	if err != nil {
		return 0, err
	}
	doc, err := c.BlockCards(ctx, add, remove)
	return doc.Version, err
}

func (a *direct) ImportAccountsCSV(ctx context.Context, r io.Reader) (int, error) {
	ctx = centre.WithActor(ctx, centre.ActorCLI)
	c, err := a.centre(nil)
	if err != nil {
		return 0, err
	}
	return c.ImportAccountsCSV(ctx, r)
}

func (a *direct) Enrol(ctx context.Context, terminal, pharmacy string) (string, error) {
	ctx = centre.WithActor(ctx, centre.ActorCLI)
	c, err := a.centre(nil)
	if err != nil {
		return "", err
	}
	return c.Enrol(ctx, terminal, pharmacy)
}

func (a *direct) IssueVoucher(ctx context.Context, cardNo string) (string, time.Time, error) {
	ctx = centre.WithActor(ctx, centre.ActorCLI)
	c, err := a.centre(nil)
	if err != nil {
		return "", time.Time{}, err
	}
	return c.IssueVoucher(ctx, cardNo)
}

func (a *direct) AddUser(ctx context.Context, name, role, password string) error {
	ctx = centre.WithActor(ctx, centre.ActorCLI)
	c, err := a.centre(nil)
	if err != nil {
		return err
	}
	return c.AddUser(ctx, name, role, password)
}

func (a *direct) RebaseTerminal(ctx context.Context, terminal, by string) (store.JournalMark, error) {
	ctx = centre.WithActor(ctx, centre.ActorCLI)
	c, err := a.centre(nil)
	if err != nil {
		return store.JournalMark{}, err
	}
	t, err := c.RebaseTerminal(ctx, terminal, by)
	if err != nil {
		return store.JournalMark{}, err
	}
	return *t.Journal, nil
}

func (a *direct) VerifyAudit(ctx context.Context) (api.AuditChain, error) {
	return api.ChainOf(a.st.VerifyAudit(ctx))
}
