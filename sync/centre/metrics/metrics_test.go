package metrics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"posagent/internal/scrape"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/metrics"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// scrapeOf scrapes the centre's /metrics, without credentials.
func scrapeOf(c *centretest.Centre) scrape.Families {
	c.T.Helper()
	fams, body, err := scrape.Get(context.Background(), c.URL()+"/metrics", "")
	if err != nil {
		c.T.Fatal(err)
	}
	// Series names and labels only: a value (a byte count of the process,
	// a duration) may hold any digits.
	for _, line := range strings.Split(string(body), "\n") {
		series, _, _ := strings.Cut(line, " ")
		if !strings.HasPrefix(line, "#") && strings.Contains(series, "6200") {
			c.T.Fatalf("a card number appears in /metrics:\n%s", body)
		}
	}
	return fams
}

func value(t *testing.T, fams scrape.Families, name string, labels ...string) float64 {
	t.Helper()
	v, ok := fams.Value(name, labels...)
	if !ok {
		t.Fatalf("%s%v not in the scrape", name, labels)
	}
	return v
}

func TestMetricsCountWhatTheCentreDid(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{RecordChecksOnly: true})
	ctx := context.Background()
	tok := c.Enrol("T1", "P1")
	c.Accounts(map[string]int64{"62000001": 10_000})
	at := c.Now().Add(-time.Hour)

	fams := scrapeOf(c) // served without credentials
	if got := value(t, fams, "posagent_centre_connected_agents"); got != 0 {
		t.Fatalf("connected agents before any = %v", got)
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("the centre's own registry has no Go runtime metrics")
	}

	a := c.Connect("T1", tok)
	a.Hello(0, 0, 0)
	centretest.Eventually(t, "connected agents = 1", func() bool {
		v, _ := scrapeOf(c).Value("posagent_centre_connected_agents")
		return v == 1
	})

	var ch centretest.Chain
	ch.Terminal = "T1"
	for i := range 3 {
		ch.Charge(t, "62000001", 1000, at.Add(time.Duration(i)*time.Minute))
	}
	a.SendEntries(ch.Entries)
	a.SendEntries(ch.Entries) // resent: applied once, counted once
	a.SendEntries(nil)        // empty: no apply
	// seq 4 goes missing; seq 5 overdraws the account: two flags.
	ch.Charge(t, "62000001", 1000, at.Add(5*time.Minute))
	ch.Charge(t, "62000001", 8000, at.Add(6*time.Minute))
	ack := a.SendEntries(ch.Entries[4:5])
	if ack.AckedSeq != 5 {
		t.Fatalf("ack after the gap = %+v", ack)
	}

	a.Send(wire.Message{Type: wire.TypeAccountReq, ID: "r1", CardNo: "62000001"})
	a.Expect(wire.TypeAccount)
	if _, err := c.Centre().Publish(ctx, []byte(centretest.Catalogue), []byte(centretest.Rules)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Centre().BlockCards(ctx, []string{"62000009"}, nil); err != nil {
		t.Fatal(err)
	}

	fams = scrapeOf(c)
	for _, w := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"posagent_centre_entries_applied_total", nil, 4},
		{"posagent_centre_apply_seconds", nil, 3}, // batches applied, the empty one not
		{"posagent_centre_flags_total", []string{"flag", "CHAIN_GAP"}, 1},
		{"posagent_centre_flags_total", []string{"flag", "OVERDRAFT"}, 1},
		{"posagent_centre_account_lookups_total", []string{"source", "agent"}, 1},
		{"posagent_centre_publishes_total", []string{"kind", "bundle"}, 1},
		{"posagent_centre_publishes_total", []string{"kind", "blocklist"}, 1},
	} {
		if got := value(t, fams, w.name, w.labels...); got != w.want {
			t.Errorf("%s%v = %v, want %v", w.name, w.labels, got, w.want)
		}
	}
	// The store agrees: four records, two of them flagged.
	if n := len(c.Txns(store.Filter{Terminal: "T1"})); n != 4 {
		t.Errorf("store holds %d records, want 4", n)
	}

	a.WS.Close()
	centretest.Eventually(t, "connected agents = 0", func() bool {
		v, _ := scrapeOf(c).Value("posagent_centre_connected_agents")
		return v == 0
	})
}

func TestMetricsRegisterWithTheGivenRegisterer(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.CountConnected(func() int { return 3 })
	if got := gathered(t, reg, "posagent_centre_connected_agents"); got != 3 {
		t.Fatalf("connected agents %v, want what CountConnected reads (3)", got)
	}
	if _, err := metrics.New(reg); err == nil {
		t.Fatal("a second centre registered the same metrics in one registry")
	}
	if _, err := metrics.New(nil); err == nil {
		t.Fatal("metrics without a registerer")
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

// gathered is the value of the gauge name in reg.
func gathered(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("%s is not one series of the registry", name)
	return 0
}
