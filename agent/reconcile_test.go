package agent_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/agent/journal"
	"posagent/internal/clock"
	"posagent/sync/wire"
)

// reconAgent is an agent over a journal in dir, on the clock, with no
// centre: the test plays the sync client.
func reconAgent(t testing.TB, dir string, clk *clock.Fake) (*agenttest.Agent, *journal.Journal) {
	t.Helper()
	a := agenttest.NewAgent(t, agenttest.AgentOptions{Dir: dir, Clock: clk, NoBundle: true})
	return a, a.Journal
}

// journalCharge journals a charge of account fen (and 50 fen cash) at at.
func journalCharge(t *testing.T, j *journal.Journal, account int64, at time.Time) wire.Record {
	t.Helper()
	return agenttest.Build(t, j).ChargeAt(at, "A00000001", account)
}

func days(sums []wire.DaySummary) []string {
	out := []string{}
	for _, s := range sums {
		out = append(out, s.Day)
	}
	return out
}

func due(t *testing.T, a *agenttest.Agent) []wire.DaySummary {
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
	d0 := time.Date(2026, 5, 10, 0, 0, 0, 0, agenttest.Shanghai)
	day := func(n int) time.Time { return d0.AddDate(0, 0, n) }
	clk := clock.NewFake(day(0).Add(9 * time.Hour))
	dir := t.TempDir()
	a, j := reconAgent(t, dir, clk)

	if got := due(t, a); len(got) != 0 {
		t.Fatalf("empty journal: due %v", days(got))
	}
	journalCharge(t, j, 900, day(-12).Add(10*time.Hour)) // 1: beyond the 7-day window
	journalCharge(t, j, 1000, day(0).Add(10*time.Hour))  // 2: 10 May
	journalCharge(t, j, 2000, day(0).Add(23*time.Hour))  // 3
	journalCharge(t, j, 3000, day(1).Add(9*time.Hour))   // 4: 11 May
	clk.Set(day(1).Add(12 * time.Hour))

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
	if st.LastDay != "2026-05-10" || st.Match || !slices.Equal(st.Differences, []string{"charges: agent 2, centre 3", "total: agent 3100 fen, centre 4100 fen"}) ||
		!slices.Equal(st.MismatchDays, []string{"2026-05-10"}) {
		t.Fatalf("status %+v", st)
	}
	if got := due(t, a); len(got) != 0 {
		t.Fatalf("reconciled days due again: %v", days(got))
	}

	// After midnight the day that ended is due once it is acknowledged;
	// the mismatch stays listed after a good day.
	clk.Set(day(2).Add(30 * time.Second))
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
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := reconAgent(t, dir, clk)
	if st2 := b.Status().Reconciliation; !slices.Equal(st2.MismatchDays, st.MismatchDays) || st2.LastDay != st.LastDay {
		t.Fatalf("after restart %+v, want %+v", st2, st)
	}
	if got := due(t, b); len(got) != 0 {
		t.Fatalf("after restart due %v", days(got))
	}
}

func TestReconcileOnDemandNeedsTheCentre(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 5, 10, 15, 0, 0, 0, agenttest.Shanghai))
	a, j := reconAgent(t, t.TempDir(), clk)
	journalCharge(t, j, 1000, clk.Now())
	_, err := a.Reconcile(context.Background(), clk.Now())
	var e *agent.Error
	if !errors.As(err, &e) || e.Code != agent.CodeCentreOffline || !e.TerminalFault() {
		t.Fatalf("without a centre: %v, want CENTRE_OFFLINE", err)
	}
	_, err = a.Reconcile(context.Background(), clk.Now().AddDate(0, 0, 1))
	if !errors.As(err, &e) || e.Code != agent.CodeBadRequest || e.TerminalFault() {
		t.Fatalf("tomorrow: %v, want BAD_REQUEST", err)
	}
	if st := a.Status().Reconciliation; st.LastDay != "" || st.Differences == nil || st.MismatchDays == nil {
		t.Fatalf("status before any reconciliation %+v", st)
	}
}

// BenchmarkDueSummariesWhenNothingIsDue is what the sync client's
// once-a-second question costs a terminal whose days are all reconciled.
func BenchmarkDueSummariesWhenNothingIsDue(b *testing.B) {
	clk := clock.NewFake(time.Date(2026, 5, 10, 9, 0, 0, 0, agenttest.Shanghai))
	a, j := reconAgent(b, b.TempDir(), clk)
	agenttest.Build(b, j).ChargeAt(clk.Now().AddDate(0, 0, -1), "A1", 100)
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
