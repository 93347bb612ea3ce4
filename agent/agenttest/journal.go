package agenttest

import (
	"path/filepath"
	"testing"
	"time"

	"posagent/agent/journal"
)

// Journal opens a new, empty journal of Terminal in the test's temporary
// directory. See JournalAt.
func Journal(t testing.TB) *journal.Journal {
	t.Helper()
	return JournalAt(t, filepath.Join(t.TempDir(), "journal.db"), Terminal)
}

// JournalAt opens the journal at path (creating it when needed) for
// terminal, with a quiet logger. When the test ends the journal is closed
// (closing it earlier is harmless), opened again and verified with
// journal.Verify: a test fails if what it leaves behind is not a sound
// journal. Tests that damage a journal on purpose open it themselves.
func JournalAt(t testing.TB, path, terminal string) *journal.Journal {
	t.Helper()
	j := open(t, path, terminal)
	t.Cleanup(func() {
		if err := j.Close(); err != nil {
			t.Errorf("close test journal: %v", err)
			return
		}
		if t.Failed() {
			return // the failure is what matters; the file may be half-made
		}
		verify(t, path, terminal)
	})
	return j
}

func open(t testing.TB, path, terminal string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(path, journal.Options{Terminal: terminal, Logger: Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// verify opens the file at path again and verifies it whole.
func verify(t testing.TB, path, terminal string) {
	t.Helper()
	// Every handle a test opened on the file is closed by now (cleanups run
	// last-registered first); a longer wait means one leaked.
	j, err := journal.Open(path, journal.Options{Terminal: terminal, Logger: Quiet(), Timeout: 5 * time.Second})
	if err != nil {
		t.Errorf("test journal left unverifiable: %v", err)
		return
	}
	defer j.Close()
	if err := j.Verify(); err != nil {
		t.Errorf("test journal left unsound: %v", err)
	}
}
