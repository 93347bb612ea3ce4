package centre

import (
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"posagent/sync/wire"
)

// metrics are the centre's Prometheus metrics (names prefixed
// posagent_centre_). They carry counts only: no card number, terminal
// credential or amount appears in a metric or a label. GET /metrics serves
// them without authentication: it is meant for the regional network's
// Prometheus, like /healthz.
type metrics struct {
	applied   prometheus.Counter
	flags     *prometheus.CounterVec
	applyTime prometheus.Histogram
	lookups   *prometheus.CounterVec
	publishes *prometheus.CounterVec
	connected prometheus.GaugeFunc
	handler   http.Handler // nil: the registerer cannot be gathered, no /metrics
}

// applyBuckets span a small batch on a local disk to a 500-entry batch on
// a busy store.
var applyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// newMetrics registers the centre's metrics with reg. A nil reg means a
// registry of the server's own, with the Go runtime and process metrics,
// served at /metrics; a reg that is also a prometheus.Gatherer (a
// *prometheus.Registry is) is served there too.
func newMetrics(reg prometheus.Registerer, connected func() int) (*metrics, error) {
	if reg == nil {
		own := prometheus.NewRegistry()
		own.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		reg = own
	}
	m := &metrics{
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
		publishes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posagent_centre_publishes_total",
			Help: "Signed documents published by this centre process, by kind (bundle, blocklist).",
		}, []string{"kind"}),
		connected: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "posagent_centre_connected_agents",
			Help: "Agents with a live websocket to this centre.",
		}, func() float64 { return float64(connected()) }),
	}
	for _, c := range []prometheus.Collector{m.applied, m.flags, m.applyTime, m.lookups, m.publishes, m.connected} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("centre config: register metrics: %w", err)
		}
	}
	if g, ok := reg.(prometheus.Gatherer); ok {
		m.handler = promhttp.HandlerFor(g, promhttp.HandlerOpts{})
	}
	return m, nil
}

// entriesApplied counts a batch the store applied: the entries past the
// terminal's acked seq before it (the store applies each of those once)
// and the flags on the settlements of those among them that move money.
func (m *metrics) entriesApplied(entries []wire.Entry, ackedBefore uint64, ack wire.Ack, took time.Duration) {
	m.applyTime.Observe(took.Seconds())
	n := 0
	for _, e := range entries {
		if e.Seq > ackedBefore {
			n++
		}
	}
	m.applied.Add(float64(n))
	for _, r := range ack.Results {
		if r.Seq <= ackedBefore {
			continue // an earlier settlement sent again
		}
		for _, f := range r.Flags {
			m.flags.WithLabelValues(f).Inc()
		}
	}
}

// Sources of an account look-up.
const (
	lookupAgent      = "agent"
	lookupSupervisor = "supervisor"
)

func (m *metrics) lookup(source string) { m.lookups.WithLabelValues(source).Inc() }

func (m *metrics) published(kind string) { m.publishes.WithLabelValues(kind).Inc() }
