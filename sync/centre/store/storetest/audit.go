package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"posagent/sync/centre/store"
)

var auditTests = []test{
	{"AppendsInOrderAsOneChain", testAuditAppendsInOrder},
	{"ConcurrentAppendsFormOneChain", testAuditConcurrentAppends},
	{"FilterAndPage", testAuditFilterAndPage},
	{"EmptyLogVerifies", testAuditEmpty},
	{"RefusesEventsWithoutWhoOrWhen", testAuditRefusesBadEvents},
}

func appendAudit(t *testing.T, s store.Store, e store.AuditEvent) store.AuditEvent {
	t.Helper()
	got, err := s.AppendAudit(t.Context(), e)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func verifyAudit(t *testing.T, s store.Store, want int) {
	t.Helper()
	n, err := s.VerifyAudit(t.Context())
	if err != nil || n != want {
		t.Fatalf("VerifyAudit = %d, %v; want %d, nil", n, err, want)
	}
}

func testAuditAppendsInOrder(t *testing.T, open Opener) {
	s := open(t)
	at := minute(1).Add(1234567) // nanoseconds below the microsecond are cut
	first := appendAudit(t, s, store.AuditEvent{At: at, Actor: "alice", Action: store.AuditPublish, Subject: "rules v2", Detail: "规则"})
	if first.Seq != 1 || first.PrevHash != "" || first.Hash != store.AuditHash(first) || !first.At.Equal(at.Truncate(time.Microsecond)) {
		t.Fatalf("first event %+v", first)
	}
	second := appendAudit(t, s, store.AuditEvent{At: minute(2), Actor: "bob", Action: store.AuditBlock, Subject: "C1"})
	if second.Seq != 2 || second.PrevHash != first.Hash || second.Hash != store.AuditHash(second) {
		t.Fatalf("second event %+v after %+v", second, first)
	}
	got, err := s.Audit(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.AuditEvent{second, first}; !equalEvents(got, want) {
		t.Fatalf("Audit = %+v, want %+v", got, want)
	}
	verifyAudit(t, s, 2)
}

func equalEvents(a, b []store.AuditEvent) bool {
	return slices.EqualFunc(a, b, func(x, y store.AuditEvent) bool {
		return x.At.Equal(y.At) && x.Seq == y.Seq && x.Actor == y.Actor && x.Action == y.Action &&
			x.Subject == y.Subject && x.Detail == y.Detail && x.PrevHash == y.PrevHash && x.Hash == y.Hash
	})
}

func testAuditConcurrentAppends(t *testing.T, open Opener) {
	s := open(t)
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				_, err := s.AppendAudit(t.Context(), store.AuditEvent{
					At: minute(i), Actor: fmt.Sprintf("user%d", w), Action: store.AuditExport, Detail: fmt.Sprint(i),
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	verifyAudit(t, s, writers*each)
	got, err := s.Audit(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != writers*each {
		t.Fatalf("%d events, want %d", len(got), writers*each)
	}
	for i, e := range got {
		if want := uint64(writers*each - i); e.Seq != want {
			t.Fatalf("event %d has seq %d, want %d", i, e.Seq, want)
		}
	}
}

func testAuditFilterAndPage(t *testing.T, open Opener) {
	s := open(t)
	for i, e := range []struct{ actor, action string }{
		{"alice", store.AuditPublish}, {"bob", store.AuditExport}, {"alice", store.AuditExport},
		{"bob", store.AuditBlock}, {"alice", store.AuditExport},
	} {
		appendAudit(t, s, store.AuditEvent{At: minute(i), Actor: e.actor, Action: e.action})
	}
	cases := []struct {
		f    store.AuditFilter
		want []uint64
	}{
		{store.AuditFilter{}, []uint64{5, 4, 3, 2, 1}},
		{store.AuditFilter{Action: store.AuditExport}, []uint64{5, 3, 2}},
		{store.AuditFilter{Actor: "alice", Action: store.AuditExport}, []uint64{5, 3}},
		{store.AuditFilter{From: minute(1), To: minute(3)}, []uint64{3, 2}},
		{store.AuditFilter{Limit: 2}, []uint64{5, 4}},
		{store.AuditFilter{Before: 4, Limit: 2}, []uint64{3, 2}},
		{store.AuditFilter{Before: 99}, []uint64{5, 4, 3, 2, 1}},
		{store.AuditFilter{Before: 1}, []uint64{}},
		{store.AuditFilter{Actor: "nobody"}, []uint64{}},
		{store.AuditFilter{Actor: "bad\x00name"}, []uint64{}},
	}
	for _, c := range cases {
		got, err := s.Audit(t.Context(), c.f)
		if err != nil {
			t.Fatalf("%+v: %v", c.f, err)
		}
		seqs := []uint64{}
		for _, e := range got {
			seqs = append(seqs, e.Seq)
		}
		if !slices.Equal(seqs, c.want) {
			t.Errorf("%+v: seqs %v, want %v", c.f, seqs, c.want)
		}
	}
}

func testAuditEmpty(t *testing.T, open Opener) {
	s := open(t)
	verifyAudit(t, s, 0)
	got, err := s.Audit(t.Context(), store.AuditFilter{})
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Audit of an empty log = %v, %v", got, err)
	}
}

func testAuditRefusesBadEvents(t *testing.T, open Opener) {
	s := open(t)
	for _, e := range []store.AuditEvent{
		{Actor: "alice", Action: store.AuditExport},           // no time
		{At: minute(1), Action: store.AuditExport},            // no actor
		{At: minute(1), Actor: "alice"},                       // no action
		{At: minute(1), Actor: "al\x00ice", Action: "export"}, // a NUL
	} {
		if _, err := s.AppendAudit(t.Context(), e); err == nil {
			t.Errorf("AppendAudit(%+v) accepted", e)
		}
	}
	verifyAudit(t, s, 0)
}

// Tamper checks that VerifyAudit finds an event changed behind the
// store's back: it appends three events to s, calls edit to change the
// second event's detail by means of the store's own (its file, SQL),
// and expects the store edit returns (s, or s reopened) to report a
// break at seq 2.
func Tamper(t *testing.T, s store.Store, edit func(seq uint64, detail string) store.Store) {
	t.Helper()
	for i := range 3 {
		appendAudit(t, s, store.AuditEvent{At: minute(i), Actor: "alice", Action: store.AuditExport, Detail: "all cards"})
	}
	verifyAudit(t, s, 3)
	s = edit(2, "one card")
	n, err := s.VerifyAudit(t.Context())
	var broken *store.AuditBroken
	if !errors.As(err, &broken) || broken.Seq != 2 || broken.Reason != store.AuditBadHash || n != 1 {
		t.Fatalf("VerifyAudit after tampering = %d, %v; want 1 and a break at seq 2", n, err)
	}
}
