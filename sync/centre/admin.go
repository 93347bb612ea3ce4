package centre

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"posagent/sync/centre/store"
	"posagent/sync/centre/store/pgstore"
)

// adminLockTimeout is how long the CLI waits for the store file before
// concluding that a centre is running on it.
const adminLockTimeout = 500 * time.Millisecond

// Admin is the administrative operations the CLI offers, done either on
// the store directly or, while `centre run` holds the store, through the
// running centre's admin API. Both ways behave alike (same checks, same
// errors: ErrInvalid, ErrNoSigningKey).
type Admin interface {
	// Publish checks, signs and stores the next bundle; returns its version.
	Publish(ctx context.Context, catalogueCSV, rulesJSON []byte) (int64, error)
	// ImportAccountsCSV imports an accounts CSV; returns how many accounts.
	ImportAccountsCSV(ctx context.Context, r io.Reader) (int, error)
	// Enrol creates or re-keys a terminal; returns its token.
	Enrol(ctx context.Context, terminal, pharmacy string) (string, error)
	// AddUser creates or replaces a supervisor or administrator.
	AddUser(ctx context.Context, name, role, password string) error
	// BlockCards signs and stores the next blocklist delta; returns its version.
	BlockCards(ctx context.Context, add, remove []string) (int64, error)
	// Via says which way the operations go, for messages.
	Via() string
	// Close releases the store or the connection.
	Close() error
}

// OpenAdmin opens dataDir for the CLI. While a centre runs on dataDir (its
// address in DataDir/centre.addr answers), the operations go through that
// centre's admin API, so it also pushes what they publish. Otherwise they
// run on the store directly: the PostgreSQL database named in
// DataDir/store.url (written by `centre run --db`), or the embedded store.
func OpenAdmin(ctx context.Context, dataDir string, log *slog.Logger) (Admin, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("open %s: %w", dataDir, err)
	}
	if a, ok := runningCentre(ctx, dataDir); ok {
		return a, nil
	}
	if dsn, err := readSecretFile(filepath.Join(dataDir, StoreURLFile)); err == nil {
		st, err := pgstore.Open(ctx, dsn, pgstore.Options{Logger: log})
		if err != nil {
			return nil, err
		}
		return &directAdmin{st: st, dataDir: dataDir, via: "PostgreSQL store"}, nil
	}
	path := filepath.Join(dataDir, StoreFile)
	st, err := store.OpenBolt(path, store.BoltOptions{Timeout: adminLockTimeout, Logger: log})
	if err != nil {
		// Locked but not answering: a centre is starting or stopping.
		return nil, err
	}
	return &directAdmin{st: st, dataDir: dataDir, via: "store " + path}, nil
}

// runningCentre returns the admin API of the centre running on dataDir, if
// one answers.
func runningCentre(ctx context.Context, dataDir string) (Admin, bool) {
	addr, aerr := readSecretFile(filepath.Join(dataDir, AddrFile))
	token, terr := readSecretFile(filepath.Join(dataDir, AdminTokenFile))
	if aerr != nil || terr != nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, adminLockTimeout)
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
	return newRemoteAdmin(addr, token), true
}

// directAdmin runs the operations on the store it holds.
type directAdmin struct {
	st      store.Store
	dataDir string
	via     string
}

func (a *directAdmin) Via() string { return a.via }

func (a *directAdmin) Close() error { return a.st.Close() }

func (a *directAdmin) Publish(ctx context.Context, catalogueCSV, rulesJSON []byte) (int64, error) {
	key, err := LoadSigningKey(a.dataDir)
	if err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	doc, err := Publish(ctx, a.st, key, catalogueCSV, rulesJSON, time.Now())
	return doc.Version, err
}

func (a *directAdmin) ImportAccountsCSV(ctx context.Context, r io.Reader) (int, error) {
	return ImportAccountsCSV(ctx, a.st, r)
}

func (a *directAdmin) Enrol(ctx context.Context, terminal, pharmacy string) (string, error) {
	return Enrol(ctx, a.st, terminal, pharmacy)
}

func (a *directAdmin) AddUser(ctx context.Context, name, role, password string) error {
	return AddUser(ctx, a.st, name, role, password)
}

func (a *directAdmin) BlockCards(ctx context.Context, add, remove []string) (int64, error) {
	key, err := LoadSigningKey(a.dataDir)
	if err != nil {
		return 0, fmt.Errorf("block cards: %w", err)
	}
	doc, err := BlockCards(ctx, a.st, key, add, remove, time.Now())
	return doc.Version, err
}
