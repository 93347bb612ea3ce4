package datadir

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"posagent/internal/cardproof"
)

// TestIssuerKeyFile: no file is no key; a saved key loads back, is
// readable by its owner only and is never replaced; a damaged file is an
// error, not "no key".
func TestIssuerKeyFile(t *testing.T) {
	dir := t.TempDir()
	if k, err := LoadIssuerKey(dir); k != nil || err != nil {
		t.Fatalf("no file: %x, %v; want nil, nil", k, err)
	}
	key, err := cardproof.NewIssuerKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := SaveIssuerKey(dir, key); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, IssuerKeyFile)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v, %v; want mode 0600", fi.Mode(), err)
	}
	if back, err := LoadIssuerKey(dir); err != nil || !bytes.Equal(back, key) {
		t.Fatalf("loaded %x, %v; want the saved key", back, err)
	}
	other, _ := cardproof.NewIssuerKey()
	if err := SaveIssuerKey(dir, other); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second save: %v; want a refusal wrapping fs.ErrExist", err)
	}
	if back, _ := LoadIssuerKey(dir); !bytes.Equal(back, key) {
		t.Fatal("the key was replaced")
	}
	if err := SaveIssuerKey(t.TempDir(), key[:8]); err == nil {
		t.Fatal("a short key was saved")
	}
	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := LoadIssuerKey(dir); k != nil || err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged file: %x, %v; want an error saying it is damaged", k, err)
	}
}
