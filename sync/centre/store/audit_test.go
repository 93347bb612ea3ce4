package store_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/centre/store"
	"posagent/sync/centre/store/storetest"
)

func openBolt(t *testing.T, path string) *store.Bolt {
	t.Helper()
	s, err := store.OpenBolt(path, store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// editFile runs fn on the audit bucket of the closed store file at path.
func editFile(t *testing.T, path string, fn func(bk *bolt.Bucket) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { return fn(tx.Bucket([]byte("audit"))) }); err != nil {
		t.Fatal(err)
	}
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// An event edited in the file is found by VerifyAudit.
func TestBoltAuditTamperedEventIsFound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "centre.db")
	s := openBolt(t, path)
	storetest.Tamper(t, s, func(seq uint64, detail string) store.Store {
		s.Close()
		editFile(t, path, func(bk *bolt.Bucket) error {
			var e store.AuditEvent
			if err := json.Unmarshal(bk.Get(seqKey(seq)), &e); err != nil {
				return err
			}
			e.Detail = detail
			v, _ := json.Marshal(e)
			return bk.Put(seqKey(seq), v)
		})
		return openBolt(t, path)
	})
}

// An event removed from the file leaves a gap VerifyAudit names, even when
// the next event's hashes are rewritten to cover it up.
func TestBoltAuditRemovedEventIsFound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "centre.db")
	s := openBolt(t, path)
	for i := range 3 {
		if _, err := s.AppendAudit(t.Context(), store.AuditEvent{At: time.Unix(int64(i), 0), Actor: "a", Action: store.AuditBlock}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	editFile(t, path, func(bk *bolt.Bucket) error { return bk.Delete(seqKey(2)) })
	s = openBolt(t, path)
	n, err := s.VerifyAudit(t.Context())
	var broken *store.AuditBroken
	if !errors.As(err, &broken) || broken.Seq != 3 || broken.Reason != store.AuditGap || n != 1 {
		t.Fatalf("VerifyAudit = %d, %v; want 1 and a gap at seq 3", n, err)
	}
}

// A store written before the audit log gets an empty one when opened, with
// no schema change.
func TestBoltAuditOlderStoreGetsAnEmptyLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "centre.db")
	openBolt(t, path).Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("audit")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := openBolt(t, path)
	if n, err := s.VerifyAudit(t.Context()); n != 0 || err != nil {
		t.Fatalf("VerifyAudit = %d, %v", n, err)
	}
	if e, err := s.AppendAudit(t.Context(), store.AuditEvent{At: time.Unix(1, 0), Actor: "a", Action: store.AuditEnrol}); err != nil || e.Seq != 1 {
		t.Fatalf("AppendAudit = %+v, %v", e, err)
	}
}
