package agent

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	gosync "sync"
	"testing"
	"time"

	"posagent/agent/journal"
	"posagent/sync/wire"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu  gosync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

var shanghai = time.FixedZone("CST", 8*3600)

// reconAgent is an agent over a journal in dir, on the clock, with no
// centre: the test plays the sync client.
func reconAgent(t *testing.T, dir string, clock *testClock) (*Agent, *journal.Journal) {
	t.Helper()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	j, err := journal.Open(filepath.Join(dir, "journal.db"), journal.Options{Terminal: "T1", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	a, err := New(Config{Terminal: "T1", Journal: j, CentreKey: pub, Now: clock.Now, Location: shanghai,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return a, j
}

func journalCharge(t *testing.T, j *journal.Journal, account int64, at time.Time) wire.Record {
	t.Helper()
	rec, _, err := j.Append(wire.Record{Kind: wire.KindCharge, TxnID: fmt.Sprintf("tx-%d", j.LastSeq()+1), At: at,
		CardNo: "A00000001", Cashier: "C07", Total: account + 100, Account: account, Cash: 100})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func days(sums []wire.DaySummary) []string {
	out := []string{}
	for _, s := range sums {
		out = append(out, s.Day)
	}
	return out
}

func due(t *testing.T, a *Agent) []wire.DaySummary {
	t.Helper()
	sums, err := a.DueSummaries()
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// answer plays the centre: it answers sum with a centre summary that
// differs by the given number of charges of 1000 fen.
func answer(sum wire.DaySummary, extraCharges int64) wire.DayResult {
	centre := sum
	centre.Charges += extraCharges
	centre.Total += 1000 * extraCharges
	diffs := wire.CompareDays(sum, centre)
	return wire.DayResult{Day: sum.Day, Match: len(diffs) == 0, Centre: centre, Differences: diffs}
}

func TestDueSummariesWaitForTheDayToEndAndItsRecordsToBeAcknowledged(t *testing.T) {
	d0 := time.Date(2026, 5, 10, 0, 0, 0, 0, shanghai)
	day := func(n int) time.Time { return d0.AddDate(0, 0, n) }
	clock := &testClock{now: day(0).Add(9 * time.Hour)}
	dir := t.TempDir()
	a, j := reconAgent(t, dir, clock)

	if got := due(t, a); len(got) != 0 {
		t.Fatalf("empty journal: due %v", days(got))
	}
	journalCharge(t, j, 900, day(-12).Add(10*time.Hour)) // 1: beyond the 7-day window
	journalCharge(t, j, 1000, day(0).Add(10*time.Hour))  // 2: 10 May
	journalCharge(t, j, 2000, day(0).Add(23*time.Hour))  // 3
	journalCharge(t, j, 3000, day(1).Add(9*time.Hour))   // 4: 11 May
	clock.set(day(1).Add(12 * time.Hour))

	// Nothing acknowledged yet: 10 May has ended but is not due.
	if got := due(t, a); len(got) != 0 {
		t.Fatalf("unsynced days are due: %v", days(got))
	}
	if err := j.SetAcked(2); err != nil {
		t.Fatal(err)
	}
	// 10 May still has seq 3 unsynced; the empty days before it are due.
	if got := due(t, a); !slices.Equal(days(got), []string{"2026-05-04", "2026-05-05", "2026-05-06", "2026-05-07", "2026-05-08", "2026-05-09"}) {
		t.Fatalf("due %v, want the empty days before 10 May", days(got))
	}
	if err := j.SetAcked(3); err != nil {
		t.Fatal(err)
	}
	got := due(t, a)
	if !slices.Equal(days(got), []string{"2026-05-04", "2026-05-05", "2026-05-06", "2026-05-07", "2026-05-08", "2026-05-09", "2026-05-10"}) {
		t.Fatalf("due %v, want the seven ended days of the window", days(got))
	}
	may10 := got[len(got)-1]
	if may10.Charges != 2 || may10.Account != 3000 || may10.FirstSeq != 2 || may10.LastSeq != 3 || may10.AsOfSeq != 4 {
		t.Fatalf("10 May summary %+v", may10)
	}
	for _, s := range got[:len(got)-1] {
		a.Reconciled(s, answer(s, 0))
	}
	a.Reconciled(may10, answer(may10, 1)) // the centre holds one charge more

	st := a.Status().Reconciliation
	if st.LastDay != "2026-05-10" || st.Match || !slices.Equal(st.Differences, []string{"charges: agent 2, centre 3", "total: agent 3200 fen, centre 4200 fen"}) ||
		!slices.Equal(st.MismatchDays, []string{"2026-05-10"}) {
		t.Fatalf("status %+v", st)
	}
	if got := due(t, a); len(got) != 0 {
		t.Fatalf("reconciled days due again: %v", days(got))
	}

	// After midnight the day that ended is due once it is acknowledged;
	// the mismatch stays listed after a good day.
	clock.set(day(2).Add(30 * time.Second))
	if got := due(t, a); len(got) != 0 {
		t.Fatalf("11 May due with seq 4 unacknowledged: %v", days(got))
	}
	if err := j.SetAcked(4); err != nil {
		t.Fatal(err)
	}
	got = due(t, a)
	if !slices.Equal(days(got), []string{"2026-05-11"}) {
		t.Fatalf("due %v, want 11 May", days(got))
	}
	a.Reconciled(got[0], answer(got[0], 0))
	st = a.Status().Reconciliation
	if st.LastDay != "2026-05-11" || !st.Match || len(st.Differences) != 0 || !slices.Equal(st.MismatchDays, []string{"2026-05-10"}) {
		t.Fatalf("status %+v", st)
	}

	// The results survive a restart.
	j.Close()
	b, _ := reconAgent(t, dir, clock)
	if st2 := b.Status().Reconciliation; !slices.Equal(st2.MismatchDays, st.MismatchDays) || st2.LastDay != st.LastDay {
		t.Fatalf("after restart %+v, want %+v", st2, st)
	}
	if got := due(t, b); len(got) != 0 {
		t.Fatalf("after restart due %v", days(got))
	}
}

func TestReconcileOnDemandNeedsTheCentre(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 5, 10, 15, 0, 0, 0, shanghai)}
	a, j := reconAgent(t, t.TempDir(), clock)
	journalCharge(t, j, 1000, clock.Now())
	_, err := a.Reconcile(context.Background(), clock.Now())
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeCentreOffline || e.Status != 503 {
		t.Fatalf("without a centre: %v, want CENTRE_OFFLINE", err)
	}
	_, err = a.Reconcile(context.Background(), clock.Now().AddDate(0, 0, 1))
	if !errors.As(err, &e) || e.Code != CodeBadRequest {
		t.Fatalf("tomorrow: %v, want BAD_REQUEST", err)
	}
	if st := a.Status().Reconciliation; st.LastDay != "" || st.Differences == nil || st.MismatchDays == nil {
		t.Fatalf("status before any reconciliation %+v", st)
	}
}

// BenchmarkDueSummariesWhenNothingIsDue is what the sync client's
// once-a-second question costs a terminal whose days are all reconciled.
func BenchmarkDueSummariesWhenNothingIsDue(b *testing.B) {
	clock := &testClock{now: time.Date(2026, 5, 10, 9, 0, 0, 0, shanghai)}
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	j, err := journal.Open(filepath.Join(b.TempDir(), "journal.db"), journal.Options{Terminal: "T1", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	a, err := New(Config{Terminal: "T1", Journal: j, CentreKey: pub, Now: clock.Now, Location: shanghai, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := j.Append(wire.Record{Kind: wire.KindCharge, TxnID: "t1", At: clock.Now().AddDate(0, 0, -1), CardNo: "A1", Account: 100}); err != nil {
		b.Fatal(err)
	}
	if err := j.SetAcked(1); err != nil {
		b.Fatal(err)
	}
	sums, err := a.DueSummaries()
	if err != nil || len(sums) != 1 {
		b.Fatalf("%v, %v", sums, err)
	}
	a.Reconciled(sums[0], answer(sums[0], 0))
	b.ResetTimer()
	for b.Loop() {
		if sums, err := a.DueSummaries(); err != nil || len(sums) != 0 {
			b.Fatalf("%v, %v", sums, err)
		}
	}
}
