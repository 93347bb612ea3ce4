package daemon_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/api"
	"posagent/internal/demo"
	"posagent/internal/scrape"
)

// scrapeAgent scrapes the terminal's /metrics with the API token and checks
// no card number leaked into it.
func scrapeAgent(t *testing.T, ctx context.Context, env *demo.Env) scrape.Families {
	t.Helper()
	fams, body, err := scrape.Get(ctx, env.POS.Base+"/metrics", demo.APIToken)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(body), "A0000000") {
		t.Fatalf("a card number appears in /metrics:\n%s", body)
	}
	return fams
}

func scrapeCentre(t *testing.T, ctx context.Context, env *demo.Env) scrape.Families {
	t.Helper()
	fams, _, err := scrape.Get(ctx, env.CentreURL()+"/metrics", "")
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

type expect struct {
	name   string
	labels []string
	want   float64
}

func check(t *testing.T, what string, fams scrape.Families, exps ...expect) {
	t.Helper()
	for _, e := range exps {
		got, ok := fams.Value(e.name, e.labels...)
		if !ok || got != e.want {
			t.Errorf("%s: %s%v = %v (present %v), want %v", what, e.name, e.labels, got, ok, e.want)
		}
	}
}

func TestMetricsFollowAScriptedSale(t *testing.T) {
	env, ctx := world(t)

	// Both endpoints need the token, like every route of the POS API.
	for _, path := range []string{"/metrics", "/healthz"} {
		if _, _, err := scrape.Get(ctx, env.POS.Base+path, ""); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
			t.Errorf("%s without the token: %v, want HTTP 401", path, err)
		}
	}
	base := scrapeAgent(t, ctx, env)
	check(t, "ready", base,
		expect{"posagent_rules_version", nil, 1},
		expect{"posagent_sync_connected", nil, 1},
		expect{"posagent_reader_open", nil, 1},
		expect{"posagent_backlog_entries", nil, 0},
		expect{"posagent_card_swipes_total", nil, 0},
	)
	if _, ok := base["process_resident_memory_bytes"]; !ok {
		t.Error("no process metrics on the agent")
	}

	// A sale settled at the centre: a covered drug and a forbidden item.
	swipe(t, ctx, env.Terminal, env, "zhang-san")
	q, ch := charge(t, ctx, env.POS, "m-1", demo.Metformin, demo.ProteinPower)
	if ch.Settled != agent.SettledCentre {
		t.Fatalf("first charge settled %q", ch.Settled)
	}
	// The POS retries it (not a new charge), and charges a quote that
	// does not exist (refused).
	if _, err := env.POS.Charge(ctx, agent.ChargeRequest{QuoteID: q.QuoteID, IdempotencyKey: "m-1", Confirm: q.Required}); err != nil {
		t.Fatal(err)
	}
	var apiErr *api.APIError
	if _, err := env.POS.Charge(ctx, agent.ChargeRequest{QuoteID: "q-none", IdempotencyKey: "m-2"}); !errors.As(err, &apiErr) {
		t.Fatalf("charge of an unknown quote: %v", err)
	}
	online := env.Agent.Journal.LastSeq()
	check(t, "centre after the first sale", scrapeCentre(t, ctx, env),
		expect{"posagent_centre_entries_applied_total", nil, float64(online)},
		expect{"posagent_centre_account_lookups_total", []string{"source", "agent"}, 1},
		expect{"posagent_centre_publishes_total", []string{"kind", "bundle"}, 1},
		expect{"posagent_centre_connected_agents", nil, 1},
	)

	// The centre goes away: one sale offline.
	if err := env.StopCentre(); err != nil {
		t.Fatal(err)
	}
	_, off := charge(t, ctx, env.POS, "m-3", demo.Banlangen)
	if off.Settled != agent.SettledOffline {
		t.Fatalf("charge during the outage settled %q", off.Settled)
	}
	st, err := env.POS.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "offline", scrapeAgent(t, ctx, env),
		expect{"posagent_card_swipes_total", nil, 1},
		expect{"posagent_quotes_total", nil, 2},
		expect{"posagent_charges_total", []string{"outcome", "settled_centre"}, 1},
		expect{"posagent_charges_total", []string{"outcome", "settled_offline"}, 1},
		expect{"posagent_charges_total", []string{"outcome", "refused", "code", "QUOTE_NOT_FOUND"}, 1},
		expect{"posagent_quote_reasons_total", []string{"code", "ITEM_FORBIDDEN", "severity", "block"}, 1},
		expect{"posagent_sync_connected", nil, 0},
		expect{"posagent_backlog_entries", nil, float64(st.Backlog.Unsynced)},
		expect{"posagent_offline_exposure_fen", nil, float64(off.AccountPaid)},
		expect{"posagent_sync_acked_entries_total", nil, float64(online)},
	)
	if st.Backlog.Unsynced != 2 { // the offline quote and charge
		t.Errorf("backlog while offline = %d, want 2", st.Backlog.Unsynced)
	}

	// Back online: the backlog drains, the new centre applies exactly it.
	if err := env.RestartCentre(ctx); err != nil {
		t.Fatal(err)
	}
	if err := env.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	last := env.Agent.Journal.LastSeq()
	fams := scrapeAgent(t, ctx, env)
	check(t, "resynced", fams,
		expect{"posagent_backlog_entries", nil, 0},
		expect{"posagent_offline_exposure_fen", nil, 0},
		expect{"posagent_sync_connected", nil, 1},
		expect{"posagent_sync_acked_entries_total", nil, float64(last)},
	)
	if n, _ := fams.Value("posagent_sync_ack_latency_seconds"); n < 2 {
		t.Errorf("%v acks timed, want at least one before and one after the outage", n)
	}
	check(t, "restarted centre", scrapeCentre(t, ctx, env),
		expect{"posagent_centre_entries_applied_total", nil, float64(last - online)},
	)
}

func TestHealthzSaysWhetherTheTerminalCanRecordSales(t *testing.T) {
	env, ctx := world(t)
	h, err := env.POS.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != agent.HealthOK || !h.Journal.Writable || h.Reader.State != "open" || !h.Centre.Connected || h.Rules.Version != 1 {
		t.Fatalf("healthy terminal: %+v", h)
	}

	// The reader and the centre are reported, but a terminal without them
	// still records sales: still 200.
	if err := env.StopCentre(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for h.Centre.Connected && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // the agent notices the centre is gone
		if h, err = env.POS.Health(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if h.Status != agent.HealthOK || h.Centre.Connected {
		t.Fatalf("offline terminal: %+v; want ok and not connected", h)
	}

	// The journal stops taking writes: 503, saying why.
	if err := env.Agent.Journal.Close(); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", env.POS.Base+"/healthz", nil)
	req.Header.Set("Authorization", "Bearer "+demo.APIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("healthz with the journal closed: HTTP %d, want 503", resp.StatusCode)
	}
	h, err = env.POS.Health(ctx)
	if err == nil || h.Status != agent.HealthFailing || h.Journal.Writable || !strings.Contains(h.Journal.Error, "database not open") {
		t.Fatalf("failing terminal: %+v, %v", h, err)
	}
}
