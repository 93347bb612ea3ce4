package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/policy"
)

func TestOpenLockedByAnotherStore(t *testing.T) {
	_, path := openTest(t)
	_, err := OpenBolt(path, BoltOptions{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("got %v, want ErrLocked", err)
	}
}

func TestOpenAfterCloseKeepsData(t *testing.T) {
	s, path := openTest(t)
	importAccounts(t, s, active("C1", 123))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := reopen(t, path)
	if got := balance(t, s2, "C1"); got != 123 {
		t.Fatalf("balance %d after reopen", got)
	}
}

func TestOpenBadPath(t *testing.T) {
	_, err := OpenBolt(filepath.Join(t.TempDir(), "missing", "dir", "x.db"), BoltOptions{})
	if err == nil || errors.Is(err, ErrLocked) {
		t.Fatalf("got %v, want an open error that is not ErrLocked", err)
	}
}

func TestAccountsImportAndReplace(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.Account(ctx, "C1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	h := policy.Holder{CardNo: "C1", PersonID: "p", Name: "张三", Status: "active", Balance: 500, Diseases: []string{"I10"}, Pharmacy: "P1"}
	importAccounts(t, s, h, active("C2", 1))
	h.Balance, h.Status = 900, "suspended"
	importAccounts(t, s, h)
	got, err := s.Account(ctx, "C1")
	if err != nil || got.Balance != 900 || got.Status != "suspended" || got.Name != "张三" || !slices.Equal(got.Diseases, []string{"I10"}) {
		t.Fatalf("got %+v %v", got, err)
	}
	if balance(t, s, "C2") != 1 {
		t.Fatal("an account not in the import changed")
	}
}

func TestAccountsImportIsAllOrNothing(t *testing.T) {
	s, _ := openTest(t)
	err := s.ImportAccounts(ctx, []policy.Holder{active("C1", 5), {CardNo: ""}})
	if err == nil {
		t.Fatal("an account with no card number was accepted")
	}
	if _, err := s.Account(ctx, "C1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("part of a failed import was stored: %v", err)
	}
}

func TestTerminalsAndVersions(t *testing.T) {
	s, _ := openTest(t)
	enrol(t, s, "T2", "P1")
	enrol(t, s, "T1", "P1")
	if err := s.ReportVersions(ctx, "T1", 7, 3, "bad bundle 8", t0); err != nil {
		t.Fatal(err)
	}
	ts, err := s.Terminals(ctx)
	if err != nil || len(ts) != 2 || ts[0].ID != "T1" || ts[1].ID != "T2" {
		t.Fatalf("terminals %+v %v", ts, err)
	}
	if x := ts[0]; x.RulesVersion != 7 || x.BlocklistVersion != 3 || x.RulesError != "bad bundle 8" || !x.LastSeen.Equal(t0) {
		t.Fatalf("T1 %+v", x)
	}
	if err := s.ReportVersions(ctx, "T9", 1, 1, "", t0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown terminal: %v", err)
	}
	if _, err := s.Terminal(ctx, "T9"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown terminal: %v", err)
	}
	for _, bad := range []Terminal{{ID: "", Pharmacy: "P"}, {ID: "a\x00b", Pharmacy: "P"}, {ID: "T", Pharmacy: ""}} {
		if err := s.EnrolTerminal(ctx, bad); err == nil {
			t.Fatalf("enrolled %+v", bad)
		}
	}
}

func TestUsers(t *testing.T) {
	s, _ := openTest(t)
	u := User{Name: "li", Role: RoleAdmin, PasswordHash: []byte("$2a$10$x")}
	if err := s.AddUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := s.User(ctx, "li")
	if err != nil || got.Role != RoleAdmin || string(got.PasswordHash) != "$2a$10$x" {
		t.Fatalf("got %+v %v", got, err)
	}
	if _, err := s.User(ctx, "wang"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	if err := s.AddUser(ctx, User{Name: "x", Role: "root"}); err == nil || !strings.Contains(err.Error(), "root") {
		t.Fatalf("unknown role: %v", err)
	}
}

func TestOpenRefusesANewerSchema(t *testing.T) {
	s, path := openTest(t)
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte("schema"), encodeUint64(schemaVersion+1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenBolt(path, BoltOptions{}); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema %d", schemaVersion+1)) {
		t.Fatalf("got %v, want a schema error", err)
	}
	// The failed open released the lock.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("file still locked after a failed open: %v", err)
	}
	_ = db.Close()
}
