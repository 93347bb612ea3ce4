package agentws_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/agentws"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

var cst = time.FixedZone("CST", 8*3600)

// agentSummary is what an agent with the chain's records would send for
// the day holding at.
func agentSummary(ch *centretest.Chain, at time.Time) wire.DaySummary {
	_, from, to := wire.DayBounds(at, cst)
	var items []wire.DayItem
	for _, r := range ch.Recs {
		if !r.At.Before(from) && r.At.Before(to) {
			items = append(items, wire.ItemOf(r))
		}
	}
	return wire.SummariseDay(ch.Terminal, from, to, items)
}

// reconcileCentre starts a centre the morning after the synced day, its
// records checked on their own (they name no published rules).
func reconcileCentre(t *testing.T) *centretest.Centre {
	return centretest.StartWithOptions(t, centretest.Options{Start: time.Date(2025, 3, 4, 9, 0, 0, 0, cst), RecordChecksOnly: true})
}

// syncedDay enrols T1 at P1 and applies a day of its records through a
// connected agent: three charges and a void on 3 March (Shanghai), one
// charge before midnight and one after, and a quote.
func syncedDay(t *testing.T, c *centretest.Centre) (*centretest.Agent, *centretest.Chain, time.Time) {
	t.Helper()
	tok := c.Enrol("T1", "P1")
	c.Accounts(map[string]int64{"1001": 100000})
	day := time.Date(2025, 3, 3, 9, 0, 0, 0, cst)
	ch := &centretest.Chain{Terminal: "T1"}
	ch.Charge(t, "1001", 1000, day.Add(-10*time.Hour)) // 2 March, 23:00
	ch.Charge(t, "1001", 1200, day)
	ch.Add(t, wire.Record{Terminal: "T1", Kind: wire.KindQuote, At: day.Add(time.Minute), CardNo: "1001", Total: 999})
	ch.Charge(t, "1001", 1500, day.Add(2*time.Hour))
	ch.Add(t, wire.Record{Terminal: "T1", Kind: wire.KindVoid, TxnID: "T1-v", At: day.Add(3 * time.Hour),
		CardNo: "1001", Total: 1500, Account: 1500, Reverses: ch.Recs[3].TxnID})
	ch.Charge(t, "1001", 800, day.Add(14*time.Hour+59*time.Minute)) // 23:59
	ch.Charge(t, "1001", 700, day.Add(15*time.Hour))                // 4 March, 00:00
	a := c.Connect("T1", tok)
	a.Hello(uint64(len(ch.Entries)), 0, 0)
	if ack := a.SendEntries(ch.Entries); ack.AckedSeq != uint64(len(ch.Entries)) {
		t.Fatalf("ack %+v", ack)
	}
	return a, ch, day
}

func TestReconcileHonestDayMatchesAndIsStored(t *testing.T) {
	c := reconcileCentre(t)
	a, ch, day := syncedDay(t, c)
	sum := agentSummary(ch, day)
	if sum.Charges != 3 || sum.Voids != 1 || sum.Account != 3500 || sum.Refunded != 1500 || sum.FirstSeq != 2 || sum.LastSeq != 6 {
		t.Fatalf("the test's own summary is off: %+v", sum)
	}
	res := a.Reconcile("r1", sum)
	if !res.Match || res.Differences != nil || res.Day != "2025-03-03" || !res.Centre.Equal(sum) {
		t.Fatalf("honest day: %+v\nagent sent %+v", res, sum)
	}
	stored, err := c.Store().Reconciliations(context.Background(), store.ReconciliationFilter{Terminal: "T1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || !stored[0].Match || stored[0].Pharmacy != "P1" || !stored[0].Agent.Equal(sum) || !stored[0].Centre.Equal(sum) {
		t.Fatalf("stored %+v", stored)
	}
}

func TestReconcileMismatchIsAnsweredStoredAndListedForSupervisors(t *testing.T) {
	c := reconcileCentre(t)
	c.AddUser("sup", store.RoleSupervisor, "sup-password")
	a, ch, day := syncedDay(t, c)

	// The agent's journal lost the 1500 fen charge (seq 4) and its void:
	// it counts one charge and one void fewer than the centre holds.
	lost := &centretest.Chain{Terminal: "T1", Recs: slices.Delete(slices.Clone(ch.Recs), 3, 5)}
	sum := agentSummary(lost, day)
	res := a.Reconcile("r2", sum)
	want := []string{
		"charges: agent 2, centre 3",
		"voids: agent 0, centre 1",
		"total: agent 2000 fen, centre 3500 fen",
		"account: agent 2000 fen, centre 3500 fen",
		"refunded: agent 0 fen, centre 1500 fen",
	}
	if res.Match || !slices.Equal(res.Differences, want) {
		t.Fatalf("result %+v, want differences %q", res, want)
	}

	// An honest day of another terminal is not listed as a mismatch.
	tok2 := c.Enrol("T2", "P2")
	b := c.Connect("T2", tok2)
	b.Hello(0, 0, 0)
	if r := b.Reconcile("r3", agentSummary(&centretest.Chain{Terminal: "T2"}, day)); !r.Match {
		t.Fatalf("empty day of T2: %+v", r)
	}

	var out struct{ Reconciliations []store.Reconciliation }
	resp := c.Request("GET", "/api/reconciliations?mismatch=1", centretest.Basic("sup", "sup-password"), nil, &out)
	if resp.StatusCode != 200 || len(out.Reconciliations) != 1 {
		t.Fatalf("mismatches: %d %+v", resp.StatusCode, out)
	}
	got := out.Reconciliations[0]
	if got.Terminal != "T1" || got.Pharmacy != "P1" || got.Day != "2025-03-03" || got.Match ||
		!slices.Equal(got.Differences, want) || got.Agent.Charges != 2 || got.Centre.Charges != 3 {
		t.Fatalf("listed %+v", got)
	}
	resp = c.Request("GET", "/api/reconciliations?day=2025-03-03", centretest.Basic("sup", "sup-password"), nil, &out)
	if resp.StatusCode != 200 || len(out.Reconciliations) != 2 || out.Reconciliations[0].Differences == nil {
		t.Fatalf("the day's results: %d %+v", resp.StatusCode, out)
	}

	// The agent's journal is repaired and the day reconciled again: the
	// new result replaces the mismatch.
	if r := a.Reconcile("r4", agentSummary(ch, day)); !r.Match {
		t.Fatalf("repaired day: %+v", r)
	}
	c.Request("GET", "/api/reconciliations?mismatch=1&terminal=T1", centretest.Basic("sup", "sup-password"), nil, &out)
	if len(out.Reconciliations) != 0 {
		t.Fatalf("mismatch still listed after the day matched: %+v", out)
	}
	if resp := c.Request("GET", "/api/reconciliations", nil, nil, nil); resp.StatusCode != 401 {
		t.Fatalf("without credentials: %d, want 401", resp.StatusCode)
	}
}

func TestReconcileEditedRecordShowsInTheDigest(t *testing.T) {
	c := reconcileCentre(t)
	a, ch, day := syncedDay(t, c)
	// The agent rewrote a synced charge onto another card, same amounts.
	edited := &centretest.Chain{Terminal: "T1", Recs: slices.Clone(ch.Recs)}
	edited.Recs[1].CardNo = "9999"
	res := a.Reconcile("r1", agentSummary(edited, day))
	if res.Match || len(res.Differences) != 1 || !strings.HasPrefix(res.Differences[0], "digest:") {
		t.Fatalf("edited record: %+v", res)
	}
}

func TestReconcileRefusesMalformedSummaries(t *testing.T) {
	day := time.Date(2025, 3, 3, 9, 0, 0, 0, cst)
	cases := map[string]struct {
		m    func(s wire.DaySummary) wire.Message
		code string
	}{
		"no summary": {func(wire.DaySummary) wire.Message { return wire.Message{Type: wire.TypeReconcile, ID: "1"} }, agentws.CodeBadMessage},
		"no id": {func(s wire.DaySummary) wire.Message {
			return wire.Message{Type: wire.TypeReconcile, Reconcile: &s}
		}, agentws.CodeBadMessage},
		"other terminal": {func(s wire.DaySummary) wire.Message {
			s.Terminal = "T2"
			return wire.Message{Type: wire.TypeReconcile, ID: "1", Reconcile: &s}
		}, agentws.CodeProtocol},
		"two days": {func(s wire.DaySummary) wire.Message {
			s.To = s.To.AddDate(0, 0, 1)
			return wire.Message{Type: wire.TypeReconcile, ID: "1", Reconcile: &s}
		}, agentws.CodeBadMessage},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := reconcileCentre(t)
			a, ch, _ := syncedDay(t, c)
			a.Send(tc.m(agentSummary(ch, day)))
			a.ExpectClosedWith(tc.code)
			if rs, _ := c.Store().Reconciliations(context.Background(), store.ReconciliationFilter{}); len(rs) != 0 {
				t.Fatalf("stored %+v", rs)
			}
		})
	}
}

func TestReconcileCountsOnlyWhatTheAgentHadWhenItSummarised(t *testing.T) {
	c := reconcileCentre(t)
	a, ch, day := syncedDay(t, c)
	// The operator reconciled the day on demand when the journal ended at
	// seq 5; the 23:59 charge (seq 6) was made while the answer was on its
	// way. It is not a difference.
	early := &centretest.Chain{Terminal: "T1", Recs: ch.Recs[:5]}
	sum := agentSummary(early, day)
	sum.AsOfSeq = 5
	if res := a.Reconcile("r1", sum); !res.Match || res.Centre.LastSeq != 5 || res.Centre.AsOfSeq != 5 {
		t.Fatalf("as of seq 5: %+v", res)
	}
	sum.AsOfSeq = 0 // without the bound the centre counts seq 6 too
	if res := a.Reconcile("r2", sum); res.Match || !slices.Contains(res.Differences, "last_seq: agent 5, centre 6") {
		t.Fatalf("unbounded: %+v", res)
	}
}

func TestWelcomeSaysTheCentreReconciles(t *testing.T) {
	c := reconcileCentre(t)
	a := c.Connect("T1", c.Enrol("T1", "P1"))
	a.Send(wire.Message{Type: wire.TypeHello, Hello: &wire.Hello{Terminal: "T1"}})
	if m := a.Expect(wire.TypeWelcome); !m.Extra[wire.FeatureReconcile] {
		t.Fatalf("welcome %+v does not say %q", m, wire.FeatureReconcile)
	}
}
