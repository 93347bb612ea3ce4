package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/centre/datadir"
	"posagent/sync/centre/store"
)

// The command line's operations are in the audit log as "cli"; `centre
// audit verify` finds an event changed in the file and exits 1 naming it.
func TestAuditVerifyFindsAChangedEvent(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	for _, args := range [][]string{
		{"enrol", "--data", data, "--terminal", "T1", "--pharmacy", "P1"},
		{"enrol", "--data", data, "--terminal", "T2", "--pharmacy", "P1"},
		{"enrol", "--data", data, "--terminal", "T3", "--pharmacy", "P2"},
	} {
		if code, _, errOut := cli(t, ctx, "", args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, errOut)
		}
	}
	if code, out, errOut := cli(t, ctx, "", "audit", "verify", "--data", data); code != 0 || !strings.Contains(out, "chain verified, 3 events (via store") {
		t.Fatalf("verify: exit %d, %q %q", code, out, errOut)
	}

	db, err := bolt.Open(filepath.Join(data, datadir.StoreFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte("audit"))
		key := binary.BigEndian.AppendUint64(nil, 2)
		var e store.AuditEvent
		if err := json.Unmarshal(bk.Get(key), &e); err != nil {
			return err
		}
		if e.Actor != "cli" || e.Action != store.AuditEnrol || e.Subject != "T2" {
			t.Errorf("event 2: %+v, want enrol T2 by cli", e)
		}
		e.Subject = "T9"
		v, _ := json.Marshal(e)
		return bk.Put(key, v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, ctx, "", "audit", "verify", "--data", data)
	if code != 1 || !strings.Contains(errOut, "audit log broken at seq 2 (the event does not match its hash: it was changed)") ||
		!strings.Contains(errOut, "the 1 events before it verify") {
		t.Fatalf("verify after the change: exit %d, %q", code, errOut)
	}
	if code, _, _ := cli(t, ctx, "", "audit", "verify"); code != 2 {
		t.Fatalf("verify without --data: exit %d, want 2", code)
	}
}
