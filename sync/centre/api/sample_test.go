package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/api"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/ledger"
	"posagent/sync/wire"
)

// every is n times from start, step apart.
func every(start time.Time, step time.Duration, n int) []time.Time {
	ats := make([]time.Time, n)
	for i := range ats {
		ats[i] = start.Add(time.Duration(i) * step)
	}
	return ats
}

// seedSampleCharges gives pharmacy P1, over terminals T1 and T2, 30
// charges on 1 March 2025, 120 on 2–3 March (some sharing a time) and
// 200 on 10 March; P2's T3 has charges on the same days.
func seedSampleCharges(c *centretest.Centre) {
	day := func(d int) time.Time { return time.Date(2025, 3, d, 8, 0, 0, 0, c.Location()) }
	var t1, t2 []time.Time
	t1 = append(t1, every(day(1), time.Minute, 30)...)
	t1 = append(t1, every(day(2), 0, 10)...) // ten charges at one instant
	t1 = append(t1, every(day(2).Add(time.Hour), time.Minute, 60)...)
	t2 = append(t2, every(day(3), 90*time.Second, 50)...)
	t2 = append(t2, every(day(10), 20*time.Second, 200)...)
	c.SeedCharges("T1", "P1", t1...)
	c.SeedCharges("T2", "P1", t2...)
	c.SeedCharges("T3", "P2", every(day(1), time.Minute, 40)...)
}

func getSample(t *testing.T, c *centretest.Centre, query string) api.Sample {
	t.Helper()
	var s api.Sample
	resp := c.Request("GET", "/api/sample?"+query, centretest.Basic("sup", "sup-password"), nil, &s)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", query, resp.StatusCode)
	}
	return s
}

func keysOf(s api.Sample) []ledger.RecordKey {
	var keys []ledger.RecordKey
	for _, r := range s.Records {
		keys = append(keys, ledger.RecordKey{Terminal: r.Terminal, Seq: r.Seq})
	}
	return keys
}

// startSampleCentre starts a centre on store kind with a supervisor and
// seedSampleCharges' charges.
func startSampleCentre(t *testing.T, kind centretest.StoreKind) *centretest.Centre {
	c := centretest.StartWithOptions(t, centretest.Options{Store: kind})
	c.AddUser("sup", "supervisor", "sup-password")
	seedSampleCharges(c)
	return c
}

func TestSampleFollowsTheAuditRule(t *testing.T) {
	for _, kind := range centretest.Stores {
		t.Run(string(kind), func(t *testing.T) { testSampleFollowsTheAuditRule(t, kind) })
	}
}

func testSampleFollowsTheAuditRule(t *testing.T, kind centretest.StoreKind) {
	c := startSampleCentre(t, kind)
	cases := []struct {
		from, to         string
		population, size int
	}{
		{"2025-03-01", "2025-03-01", 30, 30},
		{"2025-03-02", "2025-03-03", 120, 60},
		{"2025-03-10", "2025-03-10", 200, 67},
		{"2025-03-01", "2025-03-31", 350, 117},
		{"2025-04-01", "2025-04-30", 0, 0},
	}
	for _, tc := range cases {
		q := fmt.Sprintf("pharmacy=P1&from=%s&to=%s&seed=7", tc.from, tc.to)
		s := getSample(t, c, q)
		if s.Population != tc.population || s.Size != tc.size || len(s.Records) != tc.size {
			t.Errorf("%s: population %d size %d records %d, want %d %d", q, s.Population, s.Size, len(s.Records), tc.population, tc.size)
		}
		if s.Pharmacy != "P1" || s.From != tc.from || s.To != tc.to || s.Seed != 7 || s.Records == nil {
			t.Errorf("%s: answer %+v does not echo the query", q, s)
		}
		for _, r := range s.Records {
			if r.Pharmacy != "P1" || r.Kind != wire.KindCharge {
				t.Errorf("%s: record %s/%d of %s, kind %s", q, r.Terminal, r.Seq, r.Pharmacy, r.Kind)
			}
		}
	}
}

func TestSampleIsReproducibleFromItsSeed(t *testing.T) {
	for _, kind := range centretest.Stores {
		t.Run(string(kind), func(t *testing.T) { testSampleIsReproducibleFromItsSeed(t, kind) })
	}
}

func testSampleIsReproducibleFromItsSeed(t *testing.T, kind centretest.StoreKind) {
	c := startSampleCentre(t, kind)
	q := "pharmacy=P1&from=2025-03-01&to=2025-03-31"
	first := getSample(t, c, q) // a new seed, returned
	again := getSample(t, c, fmt.Sprintf("%s&seed=%d", q, first.Seed))
	if first.Size != 117 || !slices.Equal(keysOf(first), keysOf(again)) {
		t.Fatalf("seed %d drew %d records, then %v; want the same 117", first.Seed, first.Size, keysOf(again))
	}
	other := getSample(t, c, fmt.Sprintf("%s&seed=%d", q, first.Seed+1))
	if slices.Equal(keysOf(first), keysOf(other)) {
		t.Errorf("seeds %d and %d drew the same sample", first.Seed, first.Seed+1)
	}
	// Paging through the store in small pages, across the ten charges
	// sharing a time, finds the same population and so the same sample.
	api.SetSamplePage(t, 12)
	paged := getSample(t, c, fmt.Sprintf("%s&seed=%d", q, first.Seed))
	if paged.Population != 350 || !slices.Equal(keysOf(first), keysOf(paged)) {
		t.Errorf("paged by 12: population %d, same records %v", paged.Population, slices.Equal(keysOf(first), keysOf(paged)))
	}
	// A page smaller than the charges of one instant cannot get past
	// them: refused, not a short population.
	api.SetSamplePage(t, 7)
	var e web.ErrorBody
	resp := c.Request("GET", fmt.Sprintf("/api/sample?%s&seed=1", q), centretest.Basic("sup", "sup-password"), nil, &e)
	if resp.StatusCode != 400 || e.Code != centre.CodeBadParam {
		t.Errorf("paged by 7: status %d %+v, want 400 %s", resp.StatusCode, e, centre.CodeBadParam)
	}
}

// The same charges on bbolt and on PostgreSQL give the same sample of a
// pharmacy's month for the same seed, in whatever order each store
// answers the population (ledger.Sample sorts it first), and across the
// ten charges sharing a time, whose order PostgreSQL and bbolt need not agree on.
func TestSampleIsTheSameOnEveryStore(t *testing.T) {
	bolt := startSampleCentre(t, centretest.StoreBolt)
	pg := startSampleCentre(t, centretest.StorePostgres) // skips without PostgreSQL
	for _, seed := range []uint64{0, 7, 1 << 52, 9007199254740991} {
		q := fmt.Sprintf("pharmacy=P1&from=2025-03-01&to=2025-03-31&seed=%d", seed)
		a, b := getSample(t, bolt, q), getSample(t, pg, q)
		if a.Population != 350 || b.Population != 350 || a.Size != 117 || b.Size != 117 {
			t.Fatalf("seed %d: bolt %d of %d, postgres %d of %d; want 117 of 350", seed, a.Size, a.Population, b.Size, b.Population)
		}
		for i := range a.Records {
			x, y := a.Records[i], b.Records[i]
			if x.Terminal != y.Terminal || x.Seq != y.Seq || x.TxnID != y.TxnID || !x.At.Equal(y.At) || x.Total != y.Total {
				t.Errorf("seed %d, record %d: bolt %s/%d %s at %s, postgres %s/%d %s at %s", seed, i,
					x.Terminal, x.Seq, x.TxnID, x.At, y.Terminal, y.Seq, y.TxnID, y.At)
			}
		}
	}
}

func TestSampleRefusesBadParameters(t *testing.T) {
	c := centretest.Start(t)
	c.AddUser("sup", "supervisor", "sup-password")
	for _, q := range []string{"from=2025-03-01&to=2025-03-31", "pharmacy=P1&to=2025-03-31", "pharmacy=P1&from=2025-03-01",
		"pharmacy=P1&from=2025-03-31&to=2025-03-01", "pharmacy=P1&from=2025-03-01&to=2025-03-31&seed=-1",
		"pharmacy=P1&from=2025-03-01&to=2025-03-31&seed=x", "pharmacy=P1&from=2025-03-01&to=2025-03-31&kind=void",
		"pharmacy=P1&from=03/01/2025&to=2025-03-31"} {
		var e web.ErrorBody
		resp := c.Request("GET", "/api/sample?"+q, centretest.Basic("sup", "sup-password"), nil, &e)
		if resp.StatusCode != 400 || e.Code != centre.CodeBadParam || e.Message == "" || e.MessageZh == "" {
			t.Errorf("%q: status %d body %+v, want 400 %s with both messages", q, resp.StatusCode, e, centre.CodeBadParam)
		}
	}
	if resp := c.Request("GET", "/api/sample?pharmacy=P1&from=2025-03-01&to=2025-03-31", nil, nil, nil); resp.StatusCode != 401 {
		t.Errorf("no credentials: status %d, want 401", resp.StatusCode)
	}
}
