// Package metrics owns the agent's Prometheus metrics (names prefixed
// posagent_): what happens at the counter (swipes, quotes, charges by
// outcome, reason codes), how the sync keeps up (ack latency) and, read at
// scrape time from the agent's status, the backlog, the offline exposure,
// the rules in force, the centre connection and the reader's counters.
//
// It registers with the Registerer it is given (never the global default),
// implements agent.Observer and the sync client's OnAck hook, and carries
// counts only: no card number, name or amount of a single sale appears in
// a metric or a label.
package metrics

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"posagent/agent"
)

// Metrics is one terminal's metrics. Its methods are safe for concurrent
// use and cheap enough for the sale's path.
type Metrics struct {
	swipes     prometheus.Counter
	quotes     prometheus.Counter
	charges    *prometheus.CounterVec
	reasons    *prometheus.CounterVec
	ackLatency prometheus.Histogram
	acked      prometheus.Counter
	state      *stateCollector
}

// ackBuckets spans a loopback ack (milliseconds) to a slow link's batch
// near the agent's 2 s settlement wait and beyond.
var ackBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10, 30}

// New builds the metrics and registers them with reg. The scrape-time
// gauges stay empty until Watch is called.
func New(reg prometheus.Registerer) (*Metrics, error) {
	if reg == nil {
		return nil, errors.New("metrics: a Registerer is required")
	}
	m := &Metrics{
		swipes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "posagent_card_swipes_total",
			Help: "Card reads the reader reported (after debounce).",
		}),
		quotes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "posagent_quotes_total",
			Help: "Quotes answered.",
		}),
		charges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posagent_charges_total",
			Help: "Charge attempts by outcome (settled_centre, settled_offline, refused, failed); code is the error code of a refused or failed one. Replays of an idempotency key are not counted.",
		}, []string{"outcome", "code"}),
		reasons: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posagent_quote_reasons_total",
			Help: "Reason codes shown at quote time, transaction-level and per line, by code and severity.",
		}, []string{"code", "severity"}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "posagent_sync_ack_latency_seconds",
			Help:    "Time from sending a batch of journal entries to the centre's ack of it.",
			Buckets: ackBuckets,
		}),
		acked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "posagent_sync_acked_entries_total",
			Help: "Journal entries sent to the centre in batches it acknowledged.",
		}),
		state: newStateCollector(),
	}
	for _, c := range []prometheus.Collector{m.swipes, m.quotes, m.charges, m.reasons, m.ackLatency, m.acked, m.state} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: register: %w", err)
		}
	}
	return m, nil
}

// Watch sets where the scrape-time gauges are read from: the agent's
// Status, called once per scrape.
func (m *Metrics) Watch(status func() agent.Status) { m.state.watch(status) }

// Swiped counts a card read (agent.Observer).
func (m *Metrics) Swiped() { m.swipes.Inc() }

// Quoted counts a quote and the reasons it showed (agent.Observer).
func (m *Metrics) Quoted(q agent.Quote) {
	m.quotes.Inc()
	for _, r := range q.Reasons {
		m.reasons.WithLabelValues(string(r.Code), string(r.Severity)).Inc()
	}
	for _, l := range q.Lines {
		for _, r := range l.Reasons {
			m.reasons.WithLabelValues(string(r.Code), string(r.Severity)).Inc()
		}
	}
}

// Charged counts a charge attempt by outcome (agent.Observer).
func (m *Metrics) Charged(outcome, code string) {
	m.charges.WithLabelValues(outcome, code).Inc()
}

// Acked records an acknowledged batch: the sync client's OnAck hook.
func (m *Metrics) Acked(entries int, latency time.Duration) {
	m.ackLatency.Observe(latency.Seconds())
	m.acked.Add(float64(entries))
}

var _ agent.Observer = (*Metrics)(nil)
