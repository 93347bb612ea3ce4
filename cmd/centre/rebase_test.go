package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/datadir"
	"posagent/sync/centre/store"
)

// TestTerminalRebaseOnTheStoreDirectly: `centre terminal rebase` refuses a
// terminal without a JOURNAL_REPLACED mark (NOT_REPLACED, with its Chinese
// text) and an unknown one; on a marked terminal it records the break
// with the name given and says where the new journal continues.
func TestTerminalRebaseOnTheStoreDirectly(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	if code, _, errOut := cli(t, ctx, "", "enrol", "--data", data, "--terminal", "T1", "--pharmacy", "P1"); code != 0 {
		t.Fatalf("enrol: %d %s", code, errOut)
	}
	code, _, errOut := cli(t, ctx, "", "terminal", "rebase", "--data", data, "--terminal", "T1", "--by", "ops")
	if code != 1 || !strings.Contains(errOut, "NOT_REPLACED") || !strings.Contains(errOut, "JOURNAL_REPLACED") {
		t.Fatalf("rebase without a mark: exit %d, %q", code, errOut)
	}
	if code, _, errOut := cli(t, ctx, "", "terminal", "rebase", "--data", data, "--terminal", "T9", "--by", "ops"); code != 1 || !strings.Contains(errOut, "not enrolled") {
		t.Fatalf("rebase of an unknown terminal: exit %d, %q", code, errOut)
	}
	if code, _, _ := cli(t, ctx, "", "terminal", "rebase", "--data", data); code != 2 {
		t.Fatalf("rebase without --terminal: exit %d, want 2", code)
	}

	st, err := store.OpenBolt(filepath.Join(data, datadir.StoreFile), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if _, err := st.MarkJournalReplaced(ctx, "T1", store.JournalMark{SeenAt: seen, Reason: store.JournalBehind}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, errOut := cli(t, ctx, "", "terminal", "rebase", "--data", data, "--terminal", "T1", "--by", "ops-wang")
	if code != 0 || !strings.Contains(out, "terminal T1 rebased by ops-wang (via store") || !strings.Contains(out, "continues after seq 0") {
		t.Fatalf("rebase: exit %d, out %q, err %q", code, out, errOut)
	}
	st, err = store.OpenBolt(filepath.Join(data, datadir.StoreFile), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	term, err := st.Terminal(ctx, "T1")
	if err != nil || term.Journal == nil || term.Journal.Open() || term.Journal.RebasedBy != "ops-wang" || !term.Journal.SeenAt.Equal(seen) {
		t.Fatalf("after rebase: %+v %v", term.Journal, err)
	}
}
