package centre

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"posagent/sync/centre/store"
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

// OpenAdmin opens dataDir's store for the CLI. If a running centre holds
// it (store.ErrLocked), it returns an Admin that goes through that
// centre's admin API, found through DataDir/centre.addr and
// DataDir/admin.token.
func OpenAdmin(dataDir string, log *slog.Logger) (Admin, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("open %s: %w", dataDir, err)
	}
	st, err := store.OpenBolt(filepath.Join(dataDir, StoreFile),
		store.BoltOptions{Timeout: adminLockTimeout, Logger: log})
	if err == nil {
		return &directAdmin{st: st, dataDir: dataDir}, nil
	}
	if !errors.Is(err, store.ErrLocked) {
		return nil, err
	}
	addr, aerr := readSecretFile(filepath.Join(dataDir, AddrFile))
	token, terr := readSecretFile(filepath.Join(dataDir, AdminTokenFile))
	if aerr != nil || terr != nil {
		return nil, fmt.Errorf("%w, and no running centre found: %w", err, errors.Join(aerr, terr))
	}
	return newRemoteAdmin(addr, token), nil
}

// directAdmin runs the operations on the store it holds.
type directAdmin struct {
	st      *store.Bolt
	dataDir string
}

func (a *directAdmin) Via() string { return "store " + filepath.Join(a.dataDir, StoreFile) }

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
