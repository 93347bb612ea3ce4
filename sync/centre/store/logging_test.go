package store

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

func TestApplyLogsFindingsAfterCommit(t *testing.T) {
	var logs bytes.Buffer
	path := filepath.Join(t.TempDir(), "centre.db")
	s, err := OpenBolt(path, BoltOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 100))
	j := newJournal(t, "T1")
	j.Charge("C1", 1000)
	j.Void("C1", "T1-1", 1000)
	j.Void("C1", "T1-1", 1000)
	apply(t, s, "T1", j.Entries...)
	for _, want := range []string{"entry applied with flags", "OVERDRAFT", "void refunds nothing"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	logs.Reset()
	other := newJournal(t, "T2")
	other.Charge("C1", 5)
	if _, err := s.Apply(ctx, "T1", other.Entries, Judging{ReceivedAt: t0}); err == nil || logs.Len() != 0 {
		t.Fatalf("refused batch: err %v, logs %q; want an error and nothing logged", err, logs.String())
	}
}
