package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"posagent/agent/agenttest"
	"posagent/agent/journal"
	"posagent/internal/clock"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

var _ Reconciler = (*reconcilingHandler)(nil)

// reconcilingHandler is a Handler and Reconciler that reconciles the day
// the journal builder writes on, as the agent would: once every record of
// it is acknowledged. spoil, when set, alters the summary before it is
// sent.
type reconcilingHandler struct {
	*testHandler
	j     *journal.Journal
	spoil func(*wire.DaySummary)

	mu      sync.Mutex
	asked   int // DueSummaries calls
	results []wire.DayResult
}

var chargesDay = agenttest.SalesDay

func (h *reconcilingHandler) DueSummaries() ([]wire.DaySummary, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.asked++
	if len(h.results) > 0 {
		return nil, nil
	}
	_, from, to := wire.DayBounds(chargesDay, chargesDay.Location())
	sum, err := h.j.DaySummary(from, to)
	if err != nil || sum.LastSeq > h.j.Acked() {
		return nil, err
	}
	if h.spoil != nil {
		h.spoil(&sum)
	}
	return []wire.DaySummary{sum}, nil
}

func (h *reconcilingHandler) Reconciled(_ wire.DaySummary, res wire.DayResult) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.results = append(h.results, res)
}

func (h *reconcilingHandler) got() []wire.DayResult {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]wire.DayResult(nil), h.results...)
}

func (h *reconcilingHandler) calls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.asked
}

// reconcilingClient runs a client whose Reconciler is h, on a fake clock
// the test moves to run the reconciliation rounds.
func reconcilingClient(t *testing.T, tc *testCentre, j *journal.Journal, h *reconcilingHandler) *clock.Fake {
	t.Helper()
	clk := clock.NewFake(chargesDay.AddDate(0, 0, 1))
	cfg := tc.clientConfig(t, j, h)
	cfg.Reconciler, cfg.Clock = h, clk
	runClient(t, cfg)
	return clk
}

func TestSessionReconcilesTheDayOnceItIsAcknowledged(t *testing.T) {
	tc := startCentre(t)
	j, _ := agenttest.Backlog(t, 40)
	h := &reconcilingHandler{testHandler: newTestHandler(tc.pub), j: j}
	clk := reconcilingClient(t, tc, j, h)

	// The first round runs as the session starts, perhaps before the
	// backlog is acknowledged; the next ones come as the clock moves.
	advanceUntil(t, clk, reconcileEvery, "the day reconciled", func() bool { return len(h.got()) > 0 })
	res := h.got()[0]
	if !res.Match || res.Day != "2026-03-31" || res.Centre.Charges != 40 || res.Centre.LastSeq != 40 {
		t.Fatalf("result %+v, want a match over 40 charges", res)
	}
	if tc.terminal(t).AckedSeq != 40 {
		t.Fatalf("centre acked %d", tc.terminal(t).AckedSeq)
	}
	stored, err := tc.st.Reconciliations(context.Background(), store.ReconciliationFilter{Terminal: agenttest.Terminal})
	if err != nil || len(stored) != 1 || !stored[0].Match {
		t.Fatalf("centre stored %+v, %v", stored, err)
	}
	// The next round asks again; nothing more is due, nothing more is sent.
	asked := h.calls()
	clk.Advance(reconcileEvery)
	eventually(t, "the next round", func() bool { return h.calls() > asked })
	if n := len(h.got()); n != 1 {
		t.Fatalf("%d answers, want 1", n)
	}
	if stored, err := tc.st.Reconciliations(context.Background(), store.ReconciliationFilter{Terminal: agenttest.Terminal}); err != nil || len(stored) != 1 {
		t.Fatalf("centre stored %d results (%v), want 1", len(stored), err)
	}
}

func TestSessionHandsBackAMismatch(t *testing.T) {
	tc := startCentre(t)
	j, charged := agenttest.Backlog(t, 12)
	h := &reconcilingHandler{testHandler: newTestHandler(tc.pub), j: j,
		spoil: func(s *wire.DaySummary) { s.Charges--; s.Account -= 100 }}
	clk := reconcilingClient(t, tc, j, h)

	advanceUntil(t, clk, reconcileEvery, "the day reconciled", func() bool { return len(h.got()) > 0 })
	res := h.got()[0]
	var sum int64
	for _, fen := range charged {
		sum += fen
	}
	if res.Match || len(res.Differences) != 2 || res.Centre.Charges != 12 || res.Centre.Account != sum {
		t.Fatalf("result %+v, want charges and account to differ", res)
	}
	mm, err := tc.st.Reconciliations(context.Background(), store.ReconciliationFilter{Mismatch: true})
	if err != nil || len(mm) != 1 || mm[0].Agent.Charges != 11 {
		t.Fatalf("centre lists %+v, %v", mm, err)
	}
}

func TestReconcileOnDemandNeedsAConnection(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	c, err := New(tc.clientConfig(t, j, newTestHandler(tc.pub)))
	if err != nil {
		t.Fatal(err)
	}
	_, from, to := wire.DayBounds(chargesDay, chargesDay.Location())
	sum := wire.SummariseDay(agenttest.Terminal, from, to, nil)
	if _, err := c.Reconcile(context.Background(), sum); !errors.Is(err, ErrOffline) {
		t.Fatalf("not running: err %v, want ErrOffline", err)
	}

	c, _ = runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "connected", func() bool { return c.Status().Connected })
	res, err := c.Reconcile(context.Background(), sum)
	if err != nil || !res.Match || res.Day != "2026-03-31" {
		t.Fatalf("empty day: %+v, %v", res, err)
	}
}

// oldCentre plays a centre from before daily reconciliation: its welcome
// names no features, it acks every batch and it counts any other message
// (a real one of that age would close the connection on them).
type oldCentre struct {
	web     *httptest.Server
	mu      sync.Mutex
	unknown []string
}

func startOldCentre(t *testing.T) *oldCentre {
	t.Helper()
	oc := &oldCentre{}
	up := websocket.Upgrader{}
	oc.web = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			var m wire.Message
			if err := ws.ReadJSON(&m); err != nil {
				return
			}
			var reply wire.Message
			switch m.Type {
			case wire.TypeHello:
				reply = wire.Message{Type: wire.TypeWelcome, Welcome: &wire.Welcome{}}
			case wire.TypeEntries:
				reply = wire.Message{Type: wire.TypeAck, Ack: &wire.Ack{AckedSeq: m.Entries[len(m.Entries)-1].Seq}}
			default:
				oc.mu.Lock()
				oc.unknown = append(oc.unknown, m.Type)
				oc.mu.Unlock()
				continue
			}
			if err := ws.WriteJSON(reply); err != nil {
				return
			}
		}
	}))
	t.Cleanup(oc.web.Close)
	return oc
}

func TestNoReconcileIsSentToACentreWithoutTheFeature(t *testing.T) {
	oc := startOldCentre(t)
	j, _ := agenttest.Backlog(t, 5)
	h := &reconcilingHandler{testHandler: newTestHandler(nil), j: j}
	cfg := Config{URL: "ws://" + oc.web.Listener.Addr().String(), Terminal: agenttest.Terminal, Token: "tok",
		Outbox: j, Handler: h, Reconciler: h, Logger: agenttest.Logger(t), MinBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	c, stop := runClient(t, cfg)
	eventually(t, "the backlog acknowledged", func() bool { return j.Acked() == 5 })
	_, from, to := wire.DayBounds(chargesDay, chargesDay.Location())
	if _, err := c.Reconcile(context.Background(), wire.SummariseDay(agenttest.Terminal, from, to, nil)); !errors.Is(err, ErrNoReconcile) {
		t.Fatalf("on demand: %v, want ErrNoReconcile", err)
	}
	if st := c.Status(); !st.Connected || st.Reconnects != 0 {
		t.Fatalf("status %+v, want one connection kept", st)
	}
	// Once the client has stopped, every session goroutine has returned: a
	// reconciliation loop that ran would have asked for due summaries at
	// least once, as it does first thing.
	stop()
	oc.mu.Lock()
	defer oc.mu.Unlock()
	if len(oc.unknown) != 0 || len(h.got()) != 0 || h.calls() != 0 {
		t.Fatalf("the old centre got %q; answers %v; due summaries asked %d times", oc.unknown, h.got(), h.calls())
	}
}
