package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"posagent/agent"
	"posagent/reader"
)

// stateCollector turns the agent's status into gauges and counters at
// scrape time, so they are never stale and cost nothing between scrapes.
type stateCollector struct {
	status atomic.Pointer[func() agent.Status]

	backlog, oldest, exposure, exposureLimit        *prometheus.Desc
	rulesVersion, rulesStale, connected, readerOpen *prometheus.Desc
	reconnects, badFrames, badReads                 *prometheus.Desc
}

func newStateCollector() *stateCollector {
	d := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return &stateCollector{
		backlog:       d("posagent_backlog_entries", "Journal entries the centre has not acknowledged."),
		oldest:        d("posagent_backlog_oldest_age_seconds", "Age of the oldest unacknowledged journal entry (0 when none)."),
		exposure:      d("posagent_offline_exposure_fen", "Account money (fen) charged at this terminal and not yet acknowledged by the centre."),
		exposureLimit: d("posagent_offline_exposure_limit_fen", "The bundle's offline limit for this terminal (fen; 0 = none or no bundle)."),
		rulesVersion:  d("posagent_rules_version", "Version of the signed rule bundle in force (0 = none)."),
		rulesStale:    d("posagent_rules_stale", "1 when the bundle is past its staleness limit without contact with the centre."),
		connected:     d("posagent_sync_connected", "1 when the websocket to the centre is up."),
		readerOpen:    d("posagent_reader_open", "1 when the card reader's port is open."),
		reconnects:    d("posagent_reader_reconnects_total", "Times the card reader's port was reopened after it was lost."),
		badFrames:     d("posagent_reader_bad_frames_total", "Reader frames dropped (bad LEN, BCC or ETX, cut off, unknown command)."),
		badReads:      d("posagent_reader_bad_reads_total", "Reads that gave no card (bad track-2 line, unreadable record, reader error)."),
	}
}

func (c *stateCollector) watch(status func() agent.Status) { c.status.Store(&status) }

func (c *stateCollector) descs() []*prometheus.Desc {
	return []*prometheus.Desc{c.backlog, c.oldest, c.exposure, c.exposureLimit, c.rulesVersion, c.rulesStale,
		c.connected, c.readerOpen, c.reconnects, c.badFrames, c.badReads}
}

var _ prometheus.Collector = (*stateCollector)(nil)

// Describe implements prometheus.Collector.
func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs() {
		ch <- d
	}
}

// Collect implements prometheus.Collector: one Status call per scrape.
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	f := c.status.Load()
	if f == nil {
		return
	}
	st := (*f)()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	gauge(c.backlog, float64(st.Backlog.Unsynced))
	gauge(c.oldest, float64(st.Backlog.OldestAgeS))
	gauge(c.exposure, float64(st.OfflineExposure.TerminalFen))
	gauge(c.exposureLimit, float64(st.OfflineExposure.LimitFen))
	gauge(c.rulesVersion, float64(st.Rules.Version))
	gauge(c.rulesStale, bit(st.Rules.Stale))
	gauge(c.connected, bit(st.Centre.Connected))
	if st.Reader.State == "none" || st.Reader.State == "" {
		return // no reader configured: nothing to report
	}
	gauge(c.readerOpen, bit(st.Reader.State == reader.StateOpen))
	counter(c.reconnects, st.Reader.Reconnects)
	counter(c.badFrames, st.Reader.BadFrames)
	counter(c.badReads, st.Reader.BadReads)
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
