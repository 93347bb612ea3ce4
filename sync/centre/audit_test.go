package centre_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
)

// auditTrail is the log's events, oldest first, as "actor action subject | detail".
func auditTrail(t *testing.T, s store.Store) []string {
	t.Helper()
	evs, err := s.Audit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		out = append(out, fmt.Sprintf("%s %s %s | %s", e.Actor, e.Action, e.Subject, e.Detail))
	}
	return out
}

func TestOperationsAreAuditedByTheirActor(t *testing.T) {
	c := centretest.Start(t)
	ctx := centre.WithActor(context.Background(), "alice")
	cc := c.Centre()
	if _, err := cc.Enrol(ctx, "T1", "P1"); err != nil {
		t.Fatal(err)
	}
	const header = "card_no,person_id,name,balance,status,diseases,pharmacy\n"
	if _, err := cc.ImportAccountsCSV(ctx, strings.NewReader(header+"1001,,a,700,active,,\n1002,,b,800,active,,\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := cc.Publish(ctx, []byte(centretest.Catalogue), []byte(centretest.Rules)); err != nil {
		t.Fatal(err)
	}
	if _, err := cc.BlockCards(ctx, []string{"1002", "1001"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cc.BlockCards(ctx, []string{"1003"}, []string{"1001"}); err != nil {
		t.Fatal(err)
	}
	if err := cc.AddUser(ctx, "bob", store.RoleSupervisor, "a long enough secret"); err != nil {
		t.Fatal(err)
	}
	if err := cc.AddUser(ctx, "bob", store.RoleAdmin, "another long secret"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cc.IssueVoucher(ctx, "1002"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Store().MarkJournalReplaced(ctx, "T1", store.JournalMark{SeenAt: c.Now(), Reason: store.JournalBehind}); err != nil {
		t.Fatal(err)
	}
	if _, err := cc.RebaseTerminal(ctx, "T1", "carol"); err != nil {
		t.Fatal(err)
	}
	cc.Audit(context.Background(), store.AuditExport, "transactions", "pharmacy P1") // no actor named
	expires := c.Now().Add(centre.VoucherLifetime).UTC().Format(time.RFC3339)
	want := []string{
		"alice enrol T1 | pharmacy P1",
		"alice import accounts | 2 accounts",
		"alice publish bundle 1 | ",
		"alice block blocklist 1 | 1001 1002",
		"alice block blocklist 2 | 1003",
		"alice unblock blocklist 2 | 1001",
		"alice user_add bob | role supervisor",
		"alice user_change bob | password; role admin (was supervisor)",
		"alice voucher 1002 | expires " + expires,
		"carol rebase T1 | continues after seq 0",
		"system export transactions | pharmacy P1",
	}
	got := auditTrail(t, c.Store())
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n, err := cc.VerifyAudit(ctx); n != len(want) || err != nil {
		t.Fatalf("VerifyAudit = %d, %v", n, err)
	}
}

// failingAudit is a store whose audit log refuses every append.
type failingAudit struct{ store.Store }

func (failingAudit) AppendAudit(context.Context, store.AuditEvent) (store.AuditEvent, error) {
	return store.AuditEvent{}, errors.New("disk full")
}

// countingObserver counts failed audit appends.
type countingObserver struct {
	centre.Observer
	failed int
}

func (o *countingObserver) AuditFailed() { o.failed++ }

// An operation that committed answers success when its audit event
// cannot be appended; the failure is counted.
func TestAuditFailureDoesNotFailTheOperation(t *testing.T) {
	c := centretest.Start(t)
	obs := &countingObserver{}
	cc, err := centre.New(centre.Config{Store: failingAudit{c.Store()}, Logger: centretest.QuietLogger(), Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.Enrol(context.Background(), "T9", "P1"); err != nil {
		t.Fatalf("enrol with a failing audit log: %v", err)
	}
	if _, err := c.Store().Terminal(context.Background(), "T9"); err != nil {
		t.Fatalf("terminal not enrolled: %v", err)
	}
	if obs.failed != 1 {
		t.Fatalf("%d audit failures counted, want 1", obs.failed)
	}
}
