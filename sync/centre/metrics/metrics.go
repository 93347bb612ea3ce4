// Package metrics owns the centre's Prometheus metrics (names prefixed
// posagent_centre_), the mirror of agent/metrics: entries applied, the
// centre's flags on them, apply latency, account look-ups answered and
// refused, publishes, audit log appends that failed and the agents
// connected now.
//
// It registers with the Registerer it is given (never the global default),
// implements centre.Observer, and carries counts only: no card number,
// terminal credential or amount appears in a metric or a label.
package metrics

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"posagent/sync/centre"
)

// Metrics is one centre's metrics. Its methods are safe for concurrent
// use and cheap enough for the apply path.
type Metrics struct {
	applied   prometheus.Counter
	flags     *prometheus.CounterVec
	applyTime prometheus.Histogram
	lookups   *prometheus.CounterVec
	refused   prometheus.Counter
	publishes *prometheus.CounterVec
	journals  *prometheus.CounterVec
	auditFail prometheus.Counter
	connected prometheus.GaugeFunc
	count     atomic.Pointer[func() int] // connected agents, set by CountConnected
}

var _ centre.Observer = (*Metrics)(nil)

// applyBuckets span a small batch on a local disk to a 500-entry batch on
// a busy store.
var applyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// New builds the metrics and registers them with reg. The connected-agents
// gauge reads 0 until CountConnected is called.
func New(reg prometheus.Registerer) (*Metrics, error) {
	if reg == nil {
		return nil, errors.New("metrics: a Registerer is required")
	}
	m := &Metrics{
		applied: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "posagent_centre_entries_applied_total",
			Help: "Journal entries of any kind applied for the first time (resent duplicates are not counted).",
		}),
		flags: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posagent_centre_flags_total",
			Help: "Centre-side flags (CHAIN_GAP, CHAIN_BROKEN, OVERDRAFT, BLOCKED_AT_SYNC) on charges and voids applied.",
		}, []string{"flag"}),
		applyTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "posagent_centre_apply_seconds",
			Help:    "Time to apply one batch of an agent's entries (one store transaction).",
			Buckets: applyBuckets,
		}),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posagent_centre_account_lookups_total",
			Help: "Account look-ups answered, by who asked (agent at swipe time, supervisor API).",
		}, []string{"source"}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "posagent_centre_account_lookups_refused_total",
			Help: "Account look-ups of terminals refused: over the terminal's rate limit, or a malformed card number (each is logged).",
		}),
		publishes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posagent_centre_publishes_total",
			Help: "Signed documents published by this centre process, by kind (bundle, blocklist).",
		}, []string{"kind"}),
	}
	m.journals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "posagent_centre_journal_events_total",
		Help: "Terminals newly marked JOURNAL_REPLACED (event=replaced) and rebased (event=rebased) by this centre process.",
	}, []string{"event"})
	m.auditFail = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "posagent_centre_audit_append_failures_total",
		Help: "Operations that succeeded but whose audit log event could not be appended (each is logged at error level with the event).",
	})
	m.connected = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "posagent_centre_connected_agents",
		Help: "Agents with a live websocket to this centre.",
	}, m.connectedNow)
	for _, c := range []prometheus.Collector{m.applied, m.flags, m.applyTime, m.lookups, m.refused, m.publishes, m.journals, m.auditFail, m.connected} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: register: %w", err)
		}
	}
	return m, nil
}

// CountConnected makes the connected-agents gauge read count at scrape
// time (the agents' websocket end's count of live connections).
func (m *Metrics) CountConnected(count func() int) { m.count.Store(&count) }

func (m *Metrics) connectedNow() float64 {
	if f := m.count.Load(); f != nil {
		return float64((*f)())
	}
	return 0
}

// Applied counts a batch the store applied: n new entries, the flags on
// their settlements, and how long it took.
func (m *Metrics) Applied(n int, flags []string, took time.Duration) {
	m.applyTime.Observe(took.Seconds())
	m.applied.Add(float64(n))
	for _, f := range flags {
		m.flags.WithLabelValues(f).Inc()
	}
}

// LookedUp counts an account look-up by who asked.
func (m *Metrics) LookedUp(source string) { m.lookups.WithLabelValues(source).Inc() }

// LookupRefused counts a terminal's look-up refused.
func (m *Metrics) LookupRefused() { m.refused.Inc() }

// Published counts a signed document published, by kind.
func (m *Metrics) Published(kind string) { m.publishes.WithLabelValues(kind).Inc() }

// JournalEvent counts a terminal marked JOURNAL_REPLACED or rebased.
func (m *Metrics) JournalEvent(kind string) { m.journals.WithLabelValues(kind).Inc() }

// AuditFailed counts an audit log append that failed.
func (m *Metrics) AuditFailed() { m.auditFail.Inc() }
