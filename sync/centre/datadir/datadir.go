// Package datadir owns the layout of a centre's data directory: the
// embedded store file, the signing key pair, the region's card issuer
// key, the admin API's token, the
// running centre's address and the PostgreSQL URL of a centre that does
// not use the embedded store. `centre run` (sync/centre/service), the
// CLI's admin client (sync/centre/admin) and the tests find the files
// through it.
//
// It opens the embedded store (OpenBolt) but never chooses between
// stores: that is cmd/centre's.
package datadir

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"posagent/internal/cardproof"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// Files of a centre data directory.
const (
	StoreFile      = "centre.db"       // the embedded store
	AdminTokenFile = "admin.token"     // bearer token of the admin API (0600)
	AddrFile       = "centre.addr"     // listen address of the running centre
	StoreURLFile   = "store.url"       // the PostgreSQL URL when the store is not embedded (0600)
	PrivateKeyFile = "keys/centre.key" // bundle signing key (0600)
	PublicKeyFile  = "keys/centre.pub" // what agents are given (--centre-key)
	IssuerKeyFile  = "issuer.key"      // the region's card issuer key (0600); absent: card presence is not judged
)

// Keygen creates the bundle signing key pair under dataDir/keys and
// returns the public key file's absolute path. It refuses to replace an
// existing key unless force is set: agents verify against the old one.
func Keygen(dataDir string, force bool) (string, error) {
	privPath := filepath.Join(dataDir, PrivateKeyFile)
	pubPath, err := filepath.Abs(filepath.Join(dataDir, PublicKeyFile))
	if err != nil {
		return "", fmt.Errorf("keygen: %w", err)
	}
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Stat(p); err == nil && !force {
			return "", fmt.Errorf("keygen: %s exists; use --force to replace it (every agent then needs the new public key)", p)
		}
	}
	if err := os.MkdirAll(filepath.Dir(privPath), 0o700); err != nil {
		return "", fmt.Errorf("keygen: %w", err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("keygen: %w", err)
	}
	_ = os.Remove(privPath) // a replaced key file must not keep looser permissions
	if err := wire.WritePrivateKey(privPath, priv); err != nil {
		return "", fmt.Errorf("keygen: %w", err)
	}
	if err := wire.WritePublicKey(pubPath, pub); err != nil {
		return "", fmt.Errorf("keygen: %w", err)
	}
	return pubPath, nil
}

// LoadSigningKey reads dataDir's signing key; nil and no error when there
// is none yet.
func LoadSigningKey(dataDir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dataDir, PrivateKeyFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	priv, err := wire.ReadPrivateKey(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return priv, nil
}

// SaveIssuerKey writes key as dataDir's issuer key file (0600). It never
// replaces one (the error wraps fs.ErrExist): every card's key is derived
// from it, so a new one would make every card issued fail its proofs.
func SaveIssuerKey(dataDir string, key cardproof.IssuerKey) error {
	text, err := key.MarshalText()
	if err != nil {
		return fmt.Errorf("issuer key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("issuer key: %w", err)
	}
	path := filepath.Join(dataDir, IssuerKeyFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("issuer key: %s exists; it is never replaced (every card's key is derived from it): %w", path, err)
	}
	if err != nil {
		return fmt.Errorf("issuer key: %w", err)
	}
	_, err = f.Write(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path) // a half-written key must not be found next time
		return fmt.Errorf("issuer key: %w", err)
	}
	return nil
}

// LoadIssuerKey reads dataDir's issuer key; nil and no error when there is
// none (the centre then judges no card presence). A file that is not an
// issuer key is an error, never taken for "none".
func LoadIssuerKey(dataDir string) (cardproof.IssuerKey, error) {
	path := filepath.Join(dataDir, IssuerKeyFile)
	text, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("issuer key: %w", err)
	}
	key, err := cardproof.ParseIssuerKey(text)
	if err != nil {
		return nil, fmt.Errorf("issuer key %s is damaged: %w", path, err)
	}
	return key, nil
}

// AdminToken returns dataDir's admin token, creating it (0600) when
// missing.
func AdminToken(dataDir string) (string, error) {
	path := filepath.Join(dataDir, AdminTokenFile)
	if tok, err := ReadSecret(path); err == nil {
		return tok, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(raw[:])
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	_, err = f.WriteString(tok + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	return tok, nil
}

// ReadSecret reads a one-line file (a token, an address, a URL); an
// empty file is an error.
func ReadSecret(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	s := strings.TrimSpace(string(data))
	if s == "" {
		return "", fmt.Errorf("read %s: empty", path)
	}
	return s, nil
}

// WriteFileAtomic writes data to path through a temporary file and rename.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// RememberStoreURL records in dataDir that its store is the PostgreSQL
// database at dsn, so the administrative commands find it when no centre
// runs. The file is readable only by its owner: the URL may hold a password.
func RememberStoreURL(dataDir, dsn string) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("remember store: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dataDir, StoreURLFile), []byte(dsn+"\n"), 0o600)
}

// StoreURL is the PostgreSQL URL RememberStoreURL recorded in dataDir; ok
// is false when there is none (the store is the embedded one).
func StoreURL(dataDir string) (dsn string, ok bool) {
	dsn, err := ReadSecret(filepath.Join(dataDir, StoreURLFile))
	return dsn, err == nil
}

// OpenBolt creates dataDir if needed and opens the embedded store in it.
// When another centre holds the file the error wraps store.ErrLocked and
// says so.
func OpenBolt(dataDir string, opts store.BoltOptions) (*store.Bolt, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	st, err := store.OpenBolt(filepath.Join(dataDir, StoreFile), opts)
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("another centre holds %s: %w", dataDir, err)
	}
	return st, err
}

// WriteAddr records in dataDir the address a running centre listens on,
// for the CLI to find it.
func WriteAddr(dataDir, addr string) error {
	return WriteFileAtomic(filepath.Join(dataDir, AddrFile), []byte(addr+"\n"), 0o644)
}

// Addr is the address WriteAddr recorded in dataDir.
func Addr(dataDir string) (string, error) {
	return ReadSecret(filepath.Join(dataDir, AddrFile))
}

// RemoveAddr removes the recorded address: the centre has stopped.
func RemoveAddr(dataDir string) error {
	err := os.Remove(filepath.Join(dataDir, AddrFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
