package agent_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/agent/api"
	"posagent/internal/clock"
	"posagent/internal/demo"
	"posagent/policy"
	"posagent/sync/centre/store"
)

// The daily reconciliation end to end: a real centre, the agent reading a
// pseudo-terminal, sales through the POS API, and the agent's clock moved
// across midnight by hand.

// reconWorld starts a demo world whose agent clock reads 20:00 today in
// Shanghai and runs on in real time (the sync client's reconciliation
// rounds are real seconds: the test moves the clock's reading, not its
// timers); it returns the world, the clock and the day's date.
func reconWorld(t *testing.T) (*demo.Env, *clock.Offset, time.Time) {
	t.Helper()
	clk := demo.ClockAt(agenttest.Shanghai, 20)
	evening := clk.Now().Truncate(time.Hour)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	env, err := demo.Start(t.Context(), demo.Options{Dir: t.TempDir(), Clock: clk, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if err := env.WaitReady(t.Context()); err != nil {
		t.Fatal(err)
	}
	return env, clk, evening
}

func swipe(t *testing.T, env *demo.Env, name string) {
	t.Helper()
	card, err := env.Card(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Swipe(t.Context(), card); err != nil {
		t.Fatal(err)
	}
}

// sell quotes and charges lines for the card in the reader.
func sell(t *testing.T, env *demo.Env, lines ...policy.Line) agent.Charge {
	t.Helper()
	q, err := env.POS.Quote(t.Context(), agent.QuoteRequest{Cashier: "C07", Lines: lines})
	if err != nil {
		t.Fatalf("quote: %v", err)
	}
	ch, err := env.POS.Charge(t.Context(), agent.ChargeRequest{QuoteID: q.QuoteID,
		IdempotencyKey: fmt.Sprintf("k-%d", time.Now().UnixNano()), Confirm: q.Required})
	if err != nil {
		t.Fatalf("charge: %v", err)
	}
	return ch
}

// waitReconciled polls the agent's status until its latest reconciled day
// is day, and returns that status.
func waitReconciled(t *testing.T, env *demo.Env, day string) agent.ReconcileStatus {
	t.Helper()
	return waitStatus(t, env, "day "+day+" reconciled", func(st agent.Status) bool {
		return st.Reconciliation.LastDay == day
	}).Reconciliation
}

// waitStatus polls the agent's status until ok holds, and returns it; the
// 30 s limit only turns a hang into a failure.
func waitStatus(t *testing.T, env *demo.Env, what string, ok func(agent.Status) bool) agent.Status {
	t.Helper()
	var st agent.Status
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, err = env.POS.Status(t.Context()); err == nil && ok(st) {
			return st
		}
	}
	t.Fatalf("timed out waiting for %s; status %+v, %v", what, st, err)
	return st
}

// centreReconciliations lists results through the supervisor API.
func centreReconciliations(t *testing.T, env *demo.Env, query string) []store.Reconciliation {
	t.Helper()
	rs, err := env.Reconciliations(t.Context(), query)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestHonestDayReconcilesOnDemandAndAgainAfterMidnight(t *testing.T) {
	t.Parallel()
	env, clk, evening := reconWorld(t)
	day := evening.Format(time.DateOnly)
	swipe(t, env, "zhang-san")
	first := sell(t, env, demo.Ibuprofen)
	sell(t, env, demo.Banlangen)
	swipe(t, env, "zhao-liu")
	voided := sell(t, env, demo.ColdMedicine)
	if _, err := env.POS.Void(t.Context(), agent.VoidRequest{TxnID: voided.TxnID, Reason: "returned", Cashier: "C07"}); err != nil {
		t.Fatal(err)
	}
	if err := env.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}

	// The operator reconciles today so far: it matches, but is not final.
	now, err := env.POS.Reconcile(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if !now.Match || now.Final || now.Day != day || now.Agent.Charges != 3 || now.Agent.Voids != 1 ||
		now.Agent.Refunded != voided.AccountPaid || now.Agent.FirstSeq > first.Seq || !now.Centre.Equal(now.Agent) {
		t.Fatalf("today on demand: %+v", now)
	}

	// One more sale, then midnight: the whole day is reconciled again by
	// itself, and it is the final result at the centre too.
	last := sell(t, env, demo.Lianhua)
	if err := env.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	clk.Set(evening.Add(4*time.Hour + 30*time.Second))
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		rs := centreReconciliations(t, env, "terminal=T001&day="+day)
		if len(rs) == 1 && rs[0].Agent.Charges == 4 {
			if !rs[0].Match || len(rs[0].Differences) != 0 || rs[0].Pharmacy != "P001" || rs[0].Agent.LastSeq != last.Seq {
				t.Fatalf("centre's result %+v", rs[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ended day was not reconciled again: centre holds %+v", rs)
		}
	}
	final := waitReconciled(t, env, day)
	if !final.Match || len(final.MismatchDays) != 0 {
		t.Fatalf("agent status %+v", final)
	}
	if mm := centreReconciliations(t, env, "mismatch=1"); len(mm) != 0 {
		t.Fatalf("mismatches listed for an honest day: %+v", mm)
	}
}

// TestSaleDeletedFromTheJournalIsAMismatchOnBothSides: a sale is synced,
// then someone with the stopped terminal's disk deletes it from the
// journal (to take it off the pharmacy's own books; a lost or restored
// journal looks the same). The centre still holds it, so at midnight the
// agent's summary counts one charge fewer and both sides flag the day.
func TestSaleDeletedFromTheJournalIsAMismatchOnBothSides(t *testing.T) {
	t.Parallel()
	env, clk, evening := reconWorld(t)
	day := evening.Format(time.DateOnly)
	swipe(t, env, "zhang-san")
	sell(t, env, demo.Ibuprofen)
	gone := sell(t, env, demo.Banlangen)
	sell(t, env, demo.Lianhua)
	if err := env.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := env.Agent.Stop(); err != nil {
		t.Fatal(err)
	}
	deleteEntry(t, filepath.Join(env.AgentCfg.Data, "journal.db"), gone.Seq)
	if err := env.StartAgent(t.Context()); err != nil {
		t.Fatal(err)
	}
	clk.Set(evening.Add(4*time.Hour + 30*time.Second))

	st := waitReconciled(t, env, day)
	wantDiff := "charges: agent 2, centre 3"
	if st.Match || !slices.Contains(st.Differences, wantDiff) || !slices.Equal(st.MismatchDays, []string{day}) {
		t.Fatalf("agent status %+v, want a mismatch with %q", st, wantDiff)
	}
	mm := centreReconciliations(t, env, "mismatch=1")
	if len(mm) != 1 || mm[0].Terminal != "T001" || mm[0].Day != day || mm[0].Match ||
		!slices.Contains(mm[0].Differences, wantDiff) || mm[0].Centre.Account-mm[0].Agent.Account != gone.AccountPaid {
		t.Fatalf("centre lists %+v, want T001's %s with %q", mm, day, wantDiff)
	}

	// The operator asks again: the same mismatch, now final.
	again, err := env.POS.Reconcile(t.Context(), day)
	if err != nil || again.Match || !again.Final || !slices.Contains(again.Differences, wantDiff) {
		t.Fatalf("on demand: %+v, %v", again, err)
	}
}

// deleteEntry deletes one entry from a stopped agent's journal file, as
// someone with the disk could (bucket layout: agent/journal/doc.go).
func deleteEntry(t *testing.T, path string, seq uint64) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("entries")).Delete(binary.BigEndian.AppendUint64(nil, seq))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBacklogDayWaitsUntilItDrains: sales made while the centre is down
// wait in the journal; their day ends; nothing is reconciled (and an
// operator is told why) until the centre is back and the backlog drained,
// and then the day matches.
func TestBacklogDayWaitsUntilItDrains(t *testing.T) {
	t.Parallel()
	env, clk, evening := reconWorld(t)
	day := evening.Format(time.DateOnly)
	swipe(t, env, "zhang-san")
	sell(t, env, demo.Ibuprofen) // synced; the agent now knows the account
	if err := env.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := env.StopCentre(); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, env, "the centre to be seen gone", func(st agent.Status) bool { return !st.Centre.Connected })
	swipe(t, env, "zhang-san")
	for _, l := range []policy.Line{demo.Banlangen, demo.Lianhua} {
		if ch := sell(t, env, l); ch.Settled != agent.SettledOffline {
			t.Fatalf("sale while the centre is down settled %q", ch.Settled)
		}
	}
	clk.Set(evening.Add(4*time.Hour + 30*time.Second))

	_, err := env.POS.Reconcile(t.Context(), day)
	var apiErr *api.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != agent.CodeCentreOffline {
		t.Fatalf("on demand while the centre is down: %v, want %s", err, agent.CodeCentreOffline)
	}
	// Disconnected, the agent has no one to reconcile with: nothing can be
	// reconciled while the centre is down, however long that lasts.
	if st, _ := env.POS.Status(t.Context()); st.Reconciliation.LastDay != "" || st.Backlog.Unsynced == 0 {
		t.Fatalf("status with a backlog: %+v, %+v", st.Reconciliation, st.Backlog)
	}

	if err := env.RestartCentre(t.Context()); err != nil {
		t.Fatal(err)
	}
	st := waitReconciled(t, env, day)
	if !st.Match {
		t.Fatalf("the drained day: %+v", st)
	}
	rs := centreReconciliations(t, env, "terminal=T001")
	if len(rs) != 1 || !rs[0].Match || rs[0].Day != day || rs[0].Agent.Charges != 3 || rs[0].Centre.Charges != 3 {
		t.Fatalf("centre holds %+v, want one matching result for %s over the 3 charges", rs, day)
	}
}
