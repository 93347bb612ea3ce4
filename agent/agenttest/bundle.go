package agenttest

import (
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"posagent/sync/wire"
)

// Key returns a fresh centre signing key pair.
func Key(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

// Testdata returns the contents of a file of the repository's sample data
// (testdata/ at the module's root), found from the test's directory up.
func Testdata(t testing.TB, name string) []byte {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "testdata", name))
		if err == nil {
			return b
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("sample data testdata/%s not found above the test's directory", name)
		}
		dir = parent
	}
}

// Bundle signs a rule bundle with priv: version, issued at, the catalogue
// (CSV) and the rules (JSON; nil means {}).
func Bundle(t testing.TB, priv ed25519.PrivateKey, version int64, at time.Time, catalogue string, rules []byte) wire.Signed {
	t.Helper()
	if rules == nil {
		rules = []byte(`{}`)
	}
	s, err := wire.Sign(priv, wire.KindBundle, version, at, wire.BundleContent{
		Kind: wire.KindBundle, Version: version, IssuedAt: at, Catalogue: catalogue, Rules: json.RawMessage(rules),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SampleBundle signs the sample catalogue and rules (testdata/catalogue.csv
// and testdata/rules.json) with priv as version 1 issued at at.
func SampleBundle(t testing.TB, priv ed25519.PrivateKey, at time.Time) wire.Signed {
	t.Helper()
	return Bundle(t, priv, 1, at, string(Testdata(t, "catalogue.csv")), Testdata(t, "rules.json"))
}
