package client

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"posagent/agent/agenttest"
	"posagent/agent/journal"
	"posagent/internal/clock"
	"posagent/internal/netproxy"
	"posagent/policy"
	"posagent/sync/centre"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

const (
	testPharmacy = "P-01"
	// startBalance is every test account's opening balance: 1,000,000 yuan.
	startBalance int64 = 100_000_000
)

// testCentre is a real centre (the service on a temporary data
// directory, centretest) behind a fault-injection proxy.
type testCentre struct {
	st    store.Store
	srv   *centre.Centre
	proxy *netproxy.Proxy
	token string
	pub   ed25519.PublicKey
}

// startCentre starts a centre with the test accounts and one enrolled
// terminal, and stops it when the test ends.
func startCentre(t testing.TB) *testCentre {
	t.Helper()
	c := centretest.StartWithOptions(t, centretest.Options{RecordChecksOnly: true})
	var holders []policy.Holder
	for i, card := range agenttest.Cards {
		holders = append(holders, policy.Holder{CardNo: card, PersonID: fmt.Sprintf("P%d", i),
			Name: "测试" + card[len(card)-1:], Status: "active", Balance: startBalance})
	}
	if err := c.Store().ImportAccounts(context.Background(), holders); err != nil {
		t.Fatal(err)
	}
	token := c.Enrol(agenttest.Terminal, testPharmacy)
	proxy, err := netproxy.New(c.Service.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	return &testCentre{st: c.Store(), srv: c.Centre(), proxy: proxy, token: token, pub: c.Pub}
}

// url is the centre's base URL through the proxy.
func (tc *testCentre) url() string { return "ws://" + tc.proxy.Addr() }

// terminal returns the terminal's sync state at the centre.
func (tc *testCentre) terminal(t testing.TB) store.Terminal {
	t.Helper()
	term, err := tc.st.Terminal(context.Background(), agenttest.Terminal)
	if err != nil {
		t.Fatal(err)
	}
	return term
}

// balance returns a card's balance at the centre.
func (tc *testCentre) balance(t testing.TB, card string) int64 {
	t.Helper()
	h, err := tc.st.Account(context.Background(), card)
	if err != nil {
		t.Fatal(err)
	}
	return h.Balance
}

// gatedOutbox is a journal whose entries past a limit the client does not
// see yet: the test decides how far the stream may go.
type gatedOutbox struct {
	*journal.Journal
	limit atomic.Uint64
}

var _ Outbox = (*gatedOutbox)(nil)

// open lets the client see the entries up to seq.
func (g *gatedOutbox) open(seq uint64) { g.limit.Store(seq) }

func (g *gatedOutbox) LastSeq() uint64 { return min(g.Journal.LastSeq(), g.limit.Load()) }

func (g *gatedOutbox) Entries(after uint64, max int) ([]wire.Entry, error) {
	es, err := g.Journal.Entries(after, max)
	limit := g.limit.Load()
	for i, e := range es {
		if e.Seq > limit {
			return es[:i], err
		}
	}
	return es, err
}

// checkApplied checks that the centre applied every charge exactly once:
// each balance lowered by exactly what was charged, the terminal acked
// through want, and no record flagged.
func (tc *testCentre) checkApplied(t testing.TB, charged agenttest.Ledger, want uint64) {
	t.Helper()
	if got := tc.terminal(t).AckedSeq; got != want {
		t.Fatalf("centre acked seq %d, want %d", got, want)
	}
	for _, card := range agenttest.Cards {
		if got, w := tc.balance(t, card), startBalance-charged[card]; got != w {
			t.Errorf("card %s balance %d, want %d (charged %d)", card, got, w, charged[card])
		}
	}
	txns, err := tc.st.Transactions(context.Background(), store.Filter{Terminal: agenttest.Terminal, Limit: int(want) + 10})
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(txns)) != want {
		t.Errorf("centre holds %d records, want %d", len(txns), want)
	}
	for _, tx := range txns {
		if len(tx.Flags) > 0 {
			t.Fatalf("seq %d flagged %v", tx.Seq, tx.Flags)
		}
	}
}

var _ Handler = (*testHandler)(nil)

// testHandler stands in for the agent: it verifies signed documents with
// the real wire code and activates only newer ones.
type testHandler struct {
	pub ed25519.PublicKey

	mu        sync.Mutex
	rules     int64
	blocklist int64
	offered   []wire.Signed
	got       chan wire.Signed
}

func newTestHandler(pub ed25519.PublicKey) *testHandler {
	return &testHandler{pub: pub, got: make(chan wire.Signed, 64)}
}

func (h *testHandler) Versions() (int64, int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rules, h.blocklist
}

func (h *testHandler) OfferSigned(s wire.Signed) (int64, error) {
	h.mu.Lock()
	defer func() { h.mu.Unlock(); h.got <- s }()
	h.offered = append(h.offered, s)
	switch s.Kind {
	case wire.KindBundle:
		b, err := wire.OpenBundle(h.pub, s)
		if err != nil {
			return h.rules, err
		}
		if b.Version <= h.rules {
			return h.rules, fmt.Errorf("bundle %d is not newer than active %d", b.Version, h.rules)
		}
		h.rules = b.Version
		return h.rules, nil
	case wire.KindBlocklist:
		d, err := wire.OpenBlocklist(h.pub, s)
		if err != nil {
			return h.blocklist, err
		}
		if d.Version != h.blocklist+1 {
			return h.blocklist, fmt.Errorf("blocklist %d does not follow %d", d.Version, h.blocklist)
		}
		h.blocklist = d.Version
		return h.blocklist, nil
	}
	return 0, fmt.Errorf("unknown kind %q", s.Kind)
}

// clientConfig is a config for the test terminal with fast backoff.
func (tc *testCentre) clientConfig(t testing.TB, ob Outbox, h Handler) Config {
	return Config{
		URL: tc.url(), Terminal: agenttest.Terminal, Token: tc.token, Outbox: ob, Handler: h,
		Logger: agenttest.Logger(t), MinBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		DialTimeout: 2 * time.Second,
	}
}

// runClient starts cfg's client and returns it with a stop function (also
// called when the test ends) that cancels Run and checks that it returned
// nil promptly and left no goroutine behind.
func runClient(t testing.TB, cfg Config) (*Client, func()) {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v after cancel, want nil", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not return within 5s of cancel")
			}
			checkNoClientGoroutines(t)
		})
	}
	t.Cleanup(stop)
	return c, stop
}

// checkNoClientGoroutines fails if any goroutine is still running this
// package's non-test code.
func checkNoClientGoroutines(t testing.TB) {
	t.Helper()
	var leaked string
	// Run has waited for its goroutines; ten seconds only bound a hang.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		leaked = ""
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "posagent/sync/client.(*session)") || strings.Contains(g, "posagent/sync/client.(*Client)") {
				leaked = g
				break
			}
		}
		if leaked == "" {
			return
		}
	}
	t.Fatalf("client goroutine left after Run returned:\n%s", leaked)
}

// eventually polls cond until it holds or ten seconds pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	eventuallyWithin(t, 10*time.Second, what, cond)
}

// advanceUntil moves clk on by step, again and again, until cond holds;
// ten seconds of real time only turn a hang into a failure.
func advanceUntil(t testing.TB, clk *clock.Fake, step time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
		clk.Advance(step)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// eventuallyWithin polls cond until it holds or d passes.
func eventuallyWithin(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
