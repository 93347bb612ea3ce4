package centre

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"posagent/internal/scrape"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

func (c *testCentre) scrape() scrape.Families {
	c.t.Helper()
	fams, body, err := scrape.Get(context.Background(), c.http.URL+"/metrics", "")
	if err != nil {
		c.t.Fatal(err)
	}
	if strings.Contains(string(body), "6200") {
		c.t.Fatalf("a card number appears in /metrics:\n%s", body)
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
	c := newTestCentre(t)
	ctx := context.Background()
	tok := c.enrol("T1", "P1")
	c.accounts(map[string]int64{"62000001": 10_000})
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

	fams := c.scrape() // served without credentials
	if got := value(t, fams, "posagent_centre_connected_agents"); got != 0 {
		t.Fatalf("connected agents before any = %v", got)
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("the centre's own registry has no Go runtime metrics")
	}

	a := c.connect("T1", tok)
	a.hello(0, 0, 0)
	eventually(t, "connected agents = 1", func() bool {
		v, _ := c.scrape().Value("posagent_centre_connected_agents")
		return v == 1
	})

	var ch chain
	ch.terminal = "T1"
	for i := range 3 {
		ch.charge(t, "62000001", 1000, at.Add(time.Duration(i)*time.Minute))
	}
	a.sendEntries(ch.entries)
	a.sendEntries(ch.entries) // resent: applied once, counted once
	a.sendEntries(nil)        // empty: no apply
	// seq 4 goes missing; seq 5 overdraws the account: two flags.
	ch.charge(t, "62000001", 1000, at.Add(5*time.Minute))
	ch.charge(t, "62000001", 8000, at.Add(6*time.Minute))
	ack := a.sendEntries(ch.entries[4:5])
	if ack.AckedSeq != 5 {
		t.Fatalf("ack after the gap = %+v", ack)
	}

	a.send(wire.Message{Type: wire.TypeAccountReq, ID: "r1", CardNo: "62000001"})
	a.expect(wire.TypeAccount)
	if _, err := c.srv.Publish(ctx, []byte(testCatalogue), []byte(testRules)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.srv.BlockCards(ctx, []string{"62000009"}, nil); err != nil {
		t.Fatal(err)
	}

	fams = c.scrape()
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
	if n := len(c.txns(store.Filter{Terminal: "T1"})); n != 4 {
		t.Errorf("store holds %d records, want 4", n)
	}

	a.ws.Close()
	eventually(t, "connected agents = 0", func() bool {
		v, _ := c.scrape().Value("posagent_centre_connected_agents")
		return v == 0
	})
}

func TestMetricsGoToTheGivenRegisterer(t *testing.T) {
	st, err := store.OpenBolt(t.TempDir()+"/centre.db", store.BoltOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := prometheus.NewRegistry()
	srv, err := New(Config{Store: st, Logger: quietLogger(), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if n, err := testutil.GatherAndCount(reg, "posagent_centre_connected_agents"); err != nil || n != 1 {
		t.Fatalf("the given registry holds %d connected-agents series (%v), want 1", n, err)
	}
	if _, err := New(Config{Store: st, Logger: quietLogger(), Registerer: reg}); err == nil {
		t.Fatal("a second server registered the same metrics in one registry")
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}

	// A registerer that cannot be gathered: the metrics are the embedding
	// program's to serve, and /metrics is not routed.
	srv2, err := New(Config{Store: st, Logger: quietLogger(), Registerer: onlyRegisterer{prometheus.NewRegistry()}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	if srv2.metrics.handler != nil {
		t.Fatal("/metrics served from a registerer that is not a gatherer")
	}
}

type onlyRegisterer struct{ r *prometheus.Registry }

func (o onlyRegisterer) Register(c prometheus.Collector) error   { return o.r.Register(c) }
func (o onlyRegisterer) MustRegister(cs ...prometheus.Collector) { o.r.MustRegister(cs...) }
func (o onlyRegisterer) Unregister(c prometheus.Collector) bool  { return o.r.Unregister(c) }
