package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"posagent/internal/boltcheck"
	"posagent/sync/centre/datadir"
)

// TestDamagedStoreRefusesWithAdvice: a centre.db that is not a sound bbolt
// file makes the command exit 1 with "store damaged" and the bilingual
// advice, and no panic.
func TestDamagedStoreRefusesWithAdvice(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, datadir.StoreFile), []byte(strings.Repeat("not a bbolt file ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, ctx, "a-long-enough-password\n", "user", "add", "--data", data, "--name", "sup", "--role", "supervisor")
	if code != 1 || !strings.Contains(errOut, "store damaged") || !strings.Contains(errOut, boltcheck.Advice[0]) || !strings.Contains(errOut, boltcheck.Advice[1]) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
