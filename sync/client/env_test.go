package client

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"posagent/agent/journal"
	"posagent/internal/netproxy"
	"posagent/policy"
	"posagent/sync/centre"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

const (
	testTerminal = "T-0001"
	testPharmacy = "P-01"
	// startBalance is every test account's opening balance: 1,000,000 yuan.
	startBalance int64 = 100_000_000
)

// testCards are the accounts the test centre starts with.
var testCards = []string{"1000000001", "1000000002", "1000000003", "1000000004", "1000000005"}

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
	c := centretest.Start(t)
	var holders []policy.Holder
	for i, card := range testCards {
		holders = append(holders, policy.Holder{CardNo: card, PersonID: fmt.Sprintf("P%d", i),
			Name: "测试" + card[len(card)-1:], Status: "active", Balance: startBalance})
	}
	if err := c.Store().ImportAccounts(context.Background(), holders); err != nil {
		t.Fatal(err)
	}
	token := c.Enrol(testTerminal, testPharmacy)
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
	term, err := tc.st.Terminal(context.Background(), testTerminal)
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

// openJournal opens a new, empty journal file for the test terminal.
func openJournal(t testing.TB) *journal.Journal {
	t.Helper()
	return openJournalAt(t, filepath.Join(t.TempDir(), "journal.db"))
}

func openJournalAt(t testing.TB, path string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(path, journal.Options{Terminal: testTerminal, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// ledger is what a test expects the centre to hold: account fen per card.
type ledger map[string]int64

func (l ledger) add(m ledger) {
	for card, fen := range m {
		l[card] += fen
	}
}

// appendCharges journals n charges spread over the test cards and returns
// the account fen charged per card.
func appendCharges(t testing.TB, j *journal.Journal, n int) ledger {
	t.Helper()
	charged := ledger{}
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for range n {
		seq := j.LastSeq() + 1
		card := testCards[seq%uint64(len(testCards))]
		account := int64(100 + seq%97) // fen
		rec := wire.Record{
			Kind: wire.KindCharge, TxnID: fmt.Sprintf("txn-%d", seq), At: at.Add(time.Duration(seq) * time.Second),
			CardNo: card, Cashier: "c01", RulesVersion: 1, Total: account + 50, Account: account, Cash: 50,
			Lines: []wire.Line{{Code: "X01", Qty: 1, UnitPrice: account + 50, Amount: account + 50, Account: account, Cash: 50}},
		}
		if _, _, err := j.Append(rec); err != nil {
			t.Fatal(err)
		}
		charged[card] += account
	}
	return charged
}

// backlogs are journal files with a given number of charges, built once
// per test binary (each append is a committed bbolt transaction, slow under
// -race) and copied for every test that needs one. They live in /dev/shm
// when there is one: their durability does not matter, the copies the
// client works on are in t.TempDir().
var backlogs struct {
	mu      sync.Mutex
	dir     string
	path    map[int]string
	charged map[int]ledger
}

func TestMain(m *testing.M) {
	code := m.Run()
	if backlogs.dir != "" {
		os.RemoveAll(backlogs.dir)
	}
	os.Exit(code)
}

// backlogJournal returns a journal of the test terminal, private to the
// test, holding n unsynced charges, and what they charge per card.
func backlogJournal(t testing.TB, n int) (*journal.Journal, ledger) {
	t.Helper()
	src, charged := backlogTemplate(t, n)
	dst := filepath.Join(t.TempDir(), "journal.db")
	copyFile(t, src, dst)
	l := ledger{}
	l.add(charged)
	return openJournalAt(t, dst), l
}

func backlogTemplate(t testing.TB, n int) (string, ledger) {
	t.Helper()
	b := &backlogs
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.path[n]; ok {
		return p, b.charged[n]
	}
	if b.dir == "" {
		base := ""
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			base = "/dev/shm"
		}
		dir, err := os.MkdirTemp(base, "posagent-client-test-")
		if err != nil {
			t.Fatal(err)
		}
		b.dir, b.path, b.charged = dir, map[int]string{}, map[int]ledger{}
	}
	// Grow from the largest smaller template rather than from nothing.
	from := 0
	for k := range b.path {
		if k < n && k > from {
			from = k
		}
	}
	path := filepath.Join(b.dir, fmt.Sprintf("backlog-%d.db", n))
	charged := ledger{}
	if from > 0 {
		copyFile(t, b.path[from], path)
		charged.add(b.charged[from])
	}
	j, err := journal.Open(path, journal.Options{Terminal: testTerminal, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	charged.add(appendCharges(t, j, n-from))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	b.path[n], b.charged[n] = path, charged
	return path, charged
}

func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkApplied checks that the centre applied every charge exactly once:
// each balance lowered by exactly what was charged, the terminal acked
// through want, and no record flagged.
func (tc *testCentre) checkApplied(t testing.TB, charged ledger, want uint64) {
	t.Helper()
	if got := tc.terminal(t).AckedSeq; got != want {
		t.Fatalf("centre acked seq %d, want %d", got, want)
	}
	for _, card := range testCards {
		if got, w := tc.balance(t, card), startBalance-charged[card]; got != w {
			t.Errorf("card %s balance %d, want %d (charged %d)", card, got, w, charged[card])
		}
	}
	txns, err := tc.st.Transactions(context.Background(), store.Filter{Terminal: testTerminal, Limit: int(want) + 10})
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

// testLogger writes the client's logs to the test's output (shown with -v
// or on failure).
func testLogger(t testing.TB) *slog.Logger {
	if _, bench := t.(*testing.B); bench {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// clientConfig is a config for the test terminal with fast backoff.
func (tc *testCentre) clientConfig(t testing.TB, ob Outbox, h Handler) Config {
	return Config{
		URL: tc.url(), Terminal: testTerminal, Token: tc.token, Outbox: ob, Handler: h,
		Logger: testLogger(t), MinBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond,
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
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
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
