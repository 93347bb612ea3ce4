package agenttest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/agent/journal"
	"posagent/sync/wire"
)

// Inject appends forged records to the journal file of a stopped agent at
// path, as a pharmacy editing its own disk would with the program's own
// code: each record is sealed by the journal itself (the next seq, the
// previous entry's hash, the indexes and running sums), so the file still
// passes journal.Verify — nothing on the terminal can tell the forgery
// from a sale, only the centre's re-judging (SPEC §9). A charge or void
// without a txn_id gets "forged-<seq>". The terminal id is read from the
// file. It returns the records as journaled, and fails the test if the
// journal is still open (the agent not stopped), refuses a record, or
// does not verify afterwards.
func Inject(t testing.TB, path string, recs ...wire.Record) []wire.Record {
	t.Helper()
	terminal, err := journalTerminal(path)
	if err != nil {
		t.Fatalf("inject into %s: %v", path, err)
	}
	j, err := journal.Open(path, journal.Options{Terminal: terminal, Logger: Quiet(), Timeout: time.Second})
	if err != nil {
		t.Fatalf("inject into %s (is its agent stopped?): %v", path, err)
	}
	next := j.LastSeq() + 1
	for i := range recs {
		if recs[i].TxnID == "" && (recs[i].Kind == wire.KindCharge || recs[i].Kind == wire.KindVoid) {
			recs[i].TxnID = fmt.Sprintf("forged-%d", next+uint64(i))
		}
	}
	out, err := j.AppendBatch(recs)
	if err == nil {
		if err = j.Verify(); err != nil {
			err = fmt.Errorf("the journal does not verify after the injection: %w", err)
		}
	}
	err = errors.Join(err, j.Close())
	if err != nil {
		t.Fatalf("inject %d records into %s: %v", len(recs), path, err)
	}
	return out
}

// journalTerminal reads the terminal id a journal file is stamped with
// (meta/terminal, see agent/journal/doc.go).
func journalTerminal(path string) (string, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return "", fmt.Errorf("open (is its agent stopped?): %w", err)
	}
	defer db.Close()
	var terminal string
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte("meta"))
		if meta == nil {
			return errors.New("not a journal: no meta bucket")
		}
		terminal = string(meta.Get([]byte("terminal")))
		if terminal == "" {
			return errors.New("not a journal: no terminal id")
		}
		return nil
	})
	return terminal, err
}
