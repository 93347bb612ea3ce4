package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"posagent/agent"
	"posagent/policy"
	"posagent/reader"
)

// BenchmarkQuoted is the cost a quote pays for its metrics: a quote with
// one transaction-level and three line reasons.
func BenchmarkQuoted(b *testing.B) {
	m, err := New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	q := agent.Quote{
		Reasons: []policy.Reason{{Code: policy.IDCheckRequired, Severity: policy.Confirm}},
		Lines: []policy.LineDecision{
			{Reasons: []policy.Reason{{Code: policy.ItemForbidden, Severity: policy.Block}}},
			{Reasons: []policy.Reason{{Code: policy.QtyOverLimit, Severity: policy.Review}, {Code: policy.RxRequired, Severity: policy.Confirm}}},
		},
	}
	b.ReportAllocs()
	for b.Loop() {
		m.Quoted(q)
	}
}

// BenchmarkCharged is the cost a charge pays for its metrics.
func BenchmarkCharged(b *testing.B) {
	m, err := New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.Charged(agent.OutcomeSettledCentre, "")
	}
}

// BenchmarkGather is one scrape's collection (without HTTP): the counters
// and the status read at scrape time.
func BenchmarkGather(b *testing.B) {
	reg := prometheus.NewRegistry()
	m, err := New(reg)
	if err != nil {
		b.Fatal(err)
	}
	st := agent.Status{Reader: reader.Status{State: reader.StateOpen}, Rules: agent.RulesStatus{Version: 3}}
	m.Watch(func() agent.Status { return st })
	for _, c := range policy.AllCodes() {
		m.Quoted(agent.Quote{Reasons: []policy.Reason{{Code: c, Severity: policy.Review}}})
	}
	m.Acked(10, 30*time.Millisecond)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
