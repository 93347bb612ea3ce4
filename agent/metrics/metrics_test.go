package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"posagent/agent"
	"posagent/policy"
	"posagent/reader"
)

func newMetrics(t *testing.T) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

func TestNewRefusesNoRegistryAndASecondRegistration(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Fatal("New(nil) succeeded")
	}
	_, reg := newMetrics(t)
	if _, err := New(reg); err == nil || !strings.Contains(err.Error(), "register") {
		t.Fatalf("second New on one registry: %v, want a registration error", err)
	}
}

func TestCountersFollowTheCounter(t *testing.T) {
	m, _ := newMetrics(t)
	m.Swiped()
	m.Swiped()
	m.Quoted(agent.Quote{
		Reasons: []policy.Reason{{Code: policy.IDCheckRequired, Severity: policy.Confirm}},
		Lines: []policy.LineDecision{
			{Reasons: []policy.Reason{{Code: policy.ItemForbidden, Severity: policy.Block}}},
			{Reasons: []policy.Reason{{Code: policy.ItemForbidden, Severity: policy.Block}, {Code: policy.QtyOverLimit, Severity: policy.Review}}},
		},
	})
	m.Quoted(agent.Quote{})
	m.Charged(agent.OutcomeSettledCentre, "")
	m.Charged(agent.OutcomeRefused, agent.CodeCardGone)
	m.Charged(agent.OutcomeRefused, agent.CodeCardGone)
	m.Acked(3, 20*time.Millisecond)
	m.Acked(2, 40*time.Millisecond)

	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		{"swipes", testutil.ToFloat64(m.swipes), 2},
		{"quotes", testutil.ToFloat64(m.quotes), 2},
		{"ITEM_FORBIDDEN/block", testutil.ToFloat64(m.reasons.WithLabelValues("ITEM_FORBIDDEN", "block")), 2},
		{"ID_CHECK_REQUIRED/confirm", testutil.ToFloat64(m.reasons.WithLabelValues("ID_CHECK_REQUIRED", "confirm")), 1},
		{"QTY_OVER_LIMIT/review", testutil.ToFloat64(m.reasons.WithLabelValues("QTY_OVER_LIMIT", "review")), 1},
		{"settled_centre", testutil.ToFloat64(m.charges.WithLabelValues("settled_centre", "")), 1},
		{"refused CARD_GONE", testutil.ToFloat64(m.charges.WithLabelValues("refused", "CARD_GONE")), 2},
		{"acked entries", testutil.ToFloat64(m.acked), 5},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	want := `
# HELP posagent_sync_ack_latency_seconds Time from sending a batch of journal entries to the centre's ack of it.
# TYPE posagent_sync_ack_latency_seconds histogram
posagent_sync_ack_latency_seconds_bucket{le="0.005"} 0
posagent_sync_ack_latency_seconds_bucket{le="0.01"} 0
posagent_sync_ack_latency_seconds_bucket{le="0.025"} 1
posagent_sync_ack_latency_seconds_bucket{le="0.05"} 2
posagent_sync_ack_latency_seconds_bucket{le="0.1"} 2
posagent_sync_ack_latency_seconds_bucket{le="0.25"} 2
posagent_sync_ack_latency_seconds_bucket{le="0.5"} 2
posagent_sync_ack_latency_seconds_bucket{le="1"} 2
posagent_sync_ack_latency_seconds_bucket{le="2"} 2
posagent_sync_ack_latency_seconds_bucket{le="5"} 2
posagent_sync_ack_latency_seconds_bucket{le="10"} 2
posagent_sync_ack_latency_seconds_bucket{le="30"} 2
posagent_sync_ack_latency_seconds_bucket{le="+Inf"} 2
posagent_sync_ack_latency_seconds_sum 0.06
posagent_sync_ack_latency_seconds_count 2
`
	if err := testutil.CollectAndCompare(m.ackLatency, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

func TestStateIsReadFromTheStatusAtScrapeTime(t *testing.T) {
	m, reg := newMetrics(t)
	if n, err := testutil.GatherAndCount(reg, "posagent_backlog_entries"); err != nil || n != 0 {
		t.Fatalf("before Watch: %d backlog series, %v; want none", n, err)
	}
	st := agent.Status{
		Reader:          reader.Status{State: reader.StateOpen, Reconnects: 4, BadFrames: 7, BadReads: 2},
		Centre:          agent.CentreStatus{Connected: true},
		Rules:           agent.RulesStatus{Version: 12},
		Backlog:         agent.BacklogStatus{Unsynced: 31, OldestAgeS: 95},
		OfflineExposure: agent.ExposureStatus{TerminalFen: 123456, LimitFen: 500000},
	}
	calls := 0
	m.Watch(func() agent.Status { calls++; return st })
	want := `
# HELP posagent_backlog_entries Journal entries the centre has not acknowledged.
# TYPE posagent_backlog_entries gauge
posagent_backlog_entries 31
# HELP posagent_backlog_oldest_age_seconds Age of the oldest unacknowledged journal entry (0 when none).
# TYPE posagent_backlog_oldest_age_seconds gauge
posagent_backlog_oldest_age_seconds 95
# HELP posagent_offline_exposure_fen Account money (fen) charged at this terminal and not yet acknowledged by the centre.
# TYPE posagent_offline_exposure_fen gauge
posagent_offline_exposure_fen 123456
# HELP posagent_rules_version Version of the signed rule bundle in force (0 = none).
# TYPE posagent_rules_version gauge
posagent_rules_version 12
# HELP posagent_sync_connected 1 when the websocket to the centre is up.
# TYPE posagent_sync_connected gauge
posagent_sync_connected 1
# HELP posagent_reader_open 1 when the card reader's port is open.
# TYPE posagent_reader_open gauge
posagent_reader_open 1
# HELP posagent_reader_reconnects_total Times the card reader's port was reopened after it was lost.
# TYPE posagent_reader_reconnects_total counter
posagent_reader_reconnects_total 4
# HELP posagent_reader_bad_frames_total Reader frames dropped (bad LEN, BCC or ETX, cut off, unknown command).
# TYPE posagent_reader_bad_frames_total counter
posagent_reader_bad_frames_total 7
`
	names := []string{"posagent_backlog_entries", "posagent_backlog_oldest_age_seconds", "posagent_offline_exposure_fen",
		"posagent_rules_version", "posagent_sync_connected", "posagent_reader_open",
		"posagent_reader_reconnects_total", "posagent_reader_bad_frames_total"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("one scrape called Status %d times, want 1", calls)
	}

	// The next scrape sees the state of its own moment.
	st.Backlog.Unsynced, st.Centre.Connected = 0, false
	if got := gathered(t, reg, "posagent_backlog_entries"); got != 0 {
		t.Errorf("backlog after it drained = %v, want 0", got)
	}
	if got := gathered(t, reg, "posagent_sync_connected"); got != 0 {
		t.Errorf("connected after the link dropped = %v, want 0", got)
	}

	// A terminal without a reader reports no reader series at all.
	st.Reader = reader.Status{State: "none"}
	if n, err := testutil.GatherAndCount(reg, "posagent_reader_open", "posagent_reader_bad_reads_total"); err != nil || n != 0 {
		t.Errorf("without a reader: %d reader series, %v; want none", n, err)
	}
}

func TestMetricNamesPassPromlint(t *testing.T) {
	m, reg := newMetrics(t)
	m.Watch(func() agent.Status { return agent.Status{Reader: reader.Status{State: reader.StateDown}} })
	m.Charged(agent.OutcomeFailed, agent.CodeJournalFailed)
	m.Quoted(agent.Quote{Reasons: []policy.Reason{{Code: policy.OffHours, Severity: policy.Review}}})
	m.Acked(1, time.Millisecond)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

// gathered returns the value of an unlabelled gauge or counter.
func gathered(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		m := mf.GetMetric()[0]
		if g := m.GetGauge(); g != nil {
			return g.GetValue()
		}
		return m.GetCounter().GetValue()
	}
	t.Fatalf("%s not gathered", name)
	return 0
}
