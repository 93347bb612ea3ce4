package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
)

var accountTests = []test{
	{"ImportAndReplace", testAccountsImportAndReplace},
	{"ImportIsAllOrNothing", testAccountsImportIsAllOrNothing},
	{"LastOfACardWins", testAccountsLastOfACardWins},
	{"SetBlockedKeepsTheBalance", testAccountsSetBlocked},
}

func testAccountsImportAndReplace(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	if _, err := s.Account(ctx, "C1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	h := policy.Holder{CardNo: "C1", PersonID: "p", Name: "张三", Status: "active", Balance: 500,
		Diseases: []string{"I10", "E11"}, Pharmacy: "P1", Blocked: true}
	importAccounts(t, s, h, active("C2", 1))
	got, err := s.Account(ctx, "C1")
	if err != nil || got.PersonID != "p" || got.Name != "张三" || got.Pharmacy != "P1" || !got.Blocked ||
		!slices.Equal(got.Diseases, []string{"I10", "E11"}) || got.Balance != 500 {
		t.Fatalf("got %+v %v, want %+v", got, err, h)
	}
	h.Balance, h.Status, h.Blocked, h.Diseases = 900, "suspended", false, nil
	importAccounts(t, s, h)
	got, err = s.Account(ctx, "C1")
	if err != nil || got.Balance != 900 || got.Status != "suspended" || got.Blocked || len(got.Diseases) != 0 {
		t.Fatalf("after replace: %+v %v", got, err)
	}
	if balance(t, s, "C2") != 1 {
		t.Fatal("an account not in the import changed")
	}
}

func testAccountsImportIsAllOrNothing(t *testing.T, open Opener) {
	s := open(t)
	importAccounts(t, s, active("C0", 7))
	for _, bad := range []policy.Holder{{CardNo: ""}, {CardNo: "a\x00b"}} {
		if err := s.ImportAccounts(t.Context(), []policy.Holder{active("C0", 99), active("C1", 5), bad}); err == nil {
			t.Fatalf("an account with card number %q was accepted", bad.CardNo)
		}
	}
	if _, err := s.Account(t.Context(), "C1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("part of a failed import was stored: %v", err)
	}
	if got := balance(t, s, "C0"); got != 7 {
		t.Fatalf("a failed import replaced C0: balance %d", got)
	}
}

func testAccountsLastOfACardWins(t *testing.T, open Opener) {
	s := open(t)
	importAccounts(t, s, active("C1", 1), active("C2", 2), active("C1", 3))
	if got := balance(t, s, "C1"); got != 3 {
		t.Fatalf("balance %d, want the last row's 3", got)
	}
}

var terminalTests = []test{
	{"EnrolListAndReport", testTerminalsEnrolListAndReport},
	{"BadEnrolment", testTerminalsBadEnrolment},
	{"ReEnrolKeepsTheChain", testReEnrolKeepsTheChain},
}

func testTerminalsEnrolListAndReport(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	if ts, err := s.Terminals(ctx); err != nil || len(ts) != 0 {
		t.Fatalf("empty store: %+v %v", ts, err)
	}
	for _, id := range []string{"T2", "T10", "T1"} {
		enrol(t, s, id, "P1")
	}
	if err := s.ReportVersions(ctx, "T1", 7, 3, "bundle 8 refused: bad", t0); err != nil {
		t.Fatal(err)
	}
	// An older sighting does not move LastSeen back.
	if err := s.ReportVersions(ctx, "T1", 8, 4, "", t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	ts, err := s.Terminals(ctx)
	if err != nil || len(ts) != 3 || ts[0].ID != "T1" || ts[1].ID != "T10" || ts[2].ID != "T2" {
		t.Fatalf("terminals %+v %v; want T1, T10, T2", ts, err)
	}
	x := ts[0]
	if x.RulesVersion != 8 || x.BlocklistVersion != 4 || x.RulesError != "" || !x.LastSeen.Equal(t0) ||
		x.Pharmacy != "P1" || x.TokenHash != "h" || !x.EnrolledAt.Equal(t0) || x.AckedSeq != 0 || x.LastHash != "" {
		t.Fatalf("T1 %+v", x)
	}
	if !ts[1].LastSeen.IsZero() {
		t.Fatalf("T10 never seen, LastSeen %v", ts[1].LastSeen)
	}
	if err := s.ReportVersions(ctx, "T9", 1, 1, "", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown terminal: %v", err)
	}
	if _, err := s.Terminal(ctx, "T9"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown terminal: %v", err)
	}
	got, err := s.Terminal(ctx, "T1")
	if err != nil || got.RulesVersion != 8 || !got.LastSeen.Equal(t0) {
		t.Fatalf("Terminal(T1) %+v %v", got, err)
	}
}

func testTerminalsBadEnrolment(t *testing.T, open Opener) {
	s := open(t)
	for _, bad := range []store.Terminal{{ID: "", Pharmacy: "P"}, {ID: "a\x00b", Pharmacy: "P"}, {ID: "T", Pharmacy: ""}, {ID: "T", Pharmacy: "P\x00"}} {
		if err := s.EnrolTerminal(t.Context(), bad); err == nil {
			t.Fatalf("enrolled %q / %q", bad.ID, bad.Pharmacy)
		}
	}
	if ts, err := s.Terminals(t.Context()); err != nil || len(ts) != 0 {
		t.Fatalf("after bad enrolments: %+v %v", ts, err)
	}
}

func testReEnrolKeepsTheChain(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000))
	j := newJournal(t, "T1")
	j.Charge("C1", 1000)
	apply(t, s, "T1", j.Entries...)
	if err := s.ReportVersions(t.Context(), "T1", 5, 6, "", t0); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(24 * time.Hour)
	if err := s.EnrolTerminal(t.Context(), store.Terminal{ID: "T1", Pharmacy: "P2", TokenHash: "new", EnrolledAt: later}); err != nil {
		t.Fatal(err)
	}
	term, err := s.Terminal(t.Context(), "T1")
	if err != nil || term.AckedSeq != 1 || term.LastHash != j.Last || term.TokenHash != "new" || term.Pharmacy != "P2" ||
		!term.EnrolledAt.Equal(later) || term.RulesVersion != 5 || term.BlocklistVersion != 6 {
		t.Fatalf("after re-enrol: %+v %v", term, err)
	}
	apply(t, s, "T1", j.Entries...)
	if got := balance(t, s, "C1"); got != 9000 {
		t.Fatalf("balance %d: re-enrolling let a charge apply twice", got)
	}
	if p := txnOf(t, s, "T1", 1).Pharmacy; p != "P1" {
		t.Fatalf("stored record moved to pharmacy %q; it was made at P1", p)
	}
}

var userTests = []test{{"AddAndLookUp", testUsers}}

func testUsers(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	u := store.User{Name: "li", Role: store.RoleAdmin, PasswordHash: []byte("$2a$10$x")}
	if err := s.AddUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := s.User(ctx, "li")
	if err != nil || got.Name != "li" || got.Role != store.RoleAdmin || string(got.PasswordHash) != "$2a$10$x" {
		t.Fatalf("got %+v %v", got, err)
	}
	u.Role, u.PasswordHash = store.RoleSupervisor, []byte("$2a$10$y")
	if err := s.AddUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, err := s.User(ctx, "li"); err != nil || got.Role != store.RoleSupervisor || string(got.PasswordHash) != "$2a$10$y" {
		t.Fatalf("replaced: %+v %v", got, err)
	}
	if _, err := s.User(ctx, "wang"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	if err := s.AddUser(ctx, store.User{Name: "x", Role: "root"}); err == nil || !strings.Contains(err.Error(), "root") {
		t.Fatalf("unknown role: %v", err)
	}
	for _, name := range []string{"", "a\x00b"} {
		if err := s.AddUser(ctx, store.User{Name: name, Role: store.RoleAdmin}); err == nil {
			t.Fatalf("user %q added", name)
		}
	}
}

// Blocking changes the mark only: a balance moved meanwhile stays moved.
func testAccountsSetBlocked(t *testing.T, open Opener) {
	s := open(t)
	enrol(t, s, "T1", "P1")
	importAccounts(t, s, active("C1", 10000), active("C2", 500))
	j := newJournal(t, "T1")
	j.Charge("C1", 1234)
	apply(t, s, "T1", j.Entries...)
	if err := s.SetBlocked(t.Context(), []string{"C1", "C9-unknown"}, true); err != nil {
		t.Fatal(err)
	}
	h, err := s.Account(t.Context(), "C1")
	if err != nil || !h.Blocked || h.Balance != 10000-1234 {
		t.Fatalf("C1 after blocking: %+v %v; want blocked with balance %d", h, err, 10000-1234)
	}
	if h2, _ := s.Account(t.Context(), "C2"); h2.Blocked {
		t.Fatal("C2 blocked too")
	}
	if err := s.SetBlocked(t.Context(), []string{"C1"}, false); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.Account(t.Context(), "C1"); h.Blocked || h.Balance != 10000-1234 {
		t.Fatalf("C1 after unblocking: %+v", h)
	}
}
