// Package sample is test equipment: it finds the repository's testdata
// folder and parses its sample catalogue and rules into a policy bundle,
// for the tests of the ledger, both centre stores and the centre's test
// equipment. It owns no data of its own.
package sample

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"posagent/policy"
)

// Dir is the repository's testdata folder.
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("sample: cannot locate its own source")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// Bundle parses testdata/catalogue.csv and rules.json as the given
// version, issued at the zero time (before any test's sale).
func Bundle(t testing.TB, version int64) *policy.Bundle {
	t.Helper()
	dir := Dir(t)
	cat, err := os.ReadFile(filepath.Join(dir, "catalogue.csv"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := policy.ParseCatalogue(bytes.NewReader(cat))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := policy.ParseRules(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &policy.Bundle{Version: version, Catalogue: c, Rules: rules}
}
