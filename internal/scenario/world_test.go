package scenario

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/api"
	"posagent/agent/daemon"
	"posagent/internal/clock"
	"posagent/internal/demo"
	"posagent/reader"
)

// shanghai is the pharmacies' zone.
var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// morning is the agent clock of most scenarios: today from 10:00 in
// Shanghai, so no sale is outside business hours whenever the test runs.
func morning() *clock.Offset { return demo.ClockAt(shanghai, 10) }

// startWorld stands up a demo world (centre, reader, agent) for one test,
// waits until the agent runs the published rules, and stops it all when
// the test ends.
func startWorld(t *testing.T, o demo.Options) *demo.Env {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.Clock == nil {
		o.Clock = morning()
	}
	o.Logger = testLogger(t)
	ctx := context.Background()
	e, err := demo.Start(ctx, o)
	if err != nil {
		t.Fatalf("start the world: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("stop the world: %v", err)
		}
	})
	if err := e.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// restartAgent stops the agent and starts it again with edit applied to
// its configuration (nil: as it was).
func restartAgent(t *testing.T, e *demo.Env, edit func(cfg *daemon.Config)) {
	t.Helper()
	stopAgent(t, e)
	if edit != nil {
		edit(&e.AgentCfg)
	}
	if err := e.StartAgent(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// stopAgent stops the agent, which closes its journal.
func stopAgent(t *testing.T, e *demo.Env) {
	t.Helper()
	if err := e.Agent.Stop(); err != nil {
		t.Fatalf("stop agent: %v", err)
	}
}

// testLogger sends warnings and errors of the world to the test's log
// (seen with -v or on failure) and goes quiet once the test is over.
func testLogger(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(w.stop) // registered first, so it runs after the world stopped
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

// patience bounds every wait of the scenarios. Each step takes well under
// a second on an idle machine; the margin is for loaded CI runners, where
// -race, bcrypt and reconnect backoff add up.
const patience = 45 * time.Second

// eventually polls cond every 20 ms until it holds, failing the test with
// what cond last said once patience runs out.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; last: %s", what, patience, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// status reads the agent's GET /v1/status.
func status(t *testing.T, e *demo.Env) agent.Status {
	t.Helper()
	st, err := e.POS.Status(context.Background())
	if err != nil {
		t.Fatalf("GET /v1/status: %v", err)
	}
	return st
}

// waitConnected waits until the agent says it is (or is not) connected.
func waitConnected(t *testing.T, e *demo.Env, want bool) {
	t.Helper()
	eventually(t, fmt.Sprintf("agent connected=%v", want), func() (bool, string) {
		st, err := e.POS.Status(context.Background())
		return err == nil && st.Centre.Connected == want, describe(st, err)
	})
}

// describe sums up a status for a failure message.
func describe(st agent.Status, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("centre connected %v (%s); rules v%d, stale %v (%s); blocklist v%d; backlog %d",
		st.Centre.Connected, st.Centre.LastError, st.Rules.Version, st.Rules.Stale, st.Rules.LastError,
		st.Blocklist.Version, st.Backlog.Unsynced)
}

// swipe presents a sample card (testdata/cards/<name>.json) to the reader.
func swipe(t *testing.T, e *demo.Env, name string) reader.CardFile {
	t.Helper()
	card, err := e.Card(name)
	if err != nil {
		t.Fatal(err)
	}
	swipeCard(t, e, card)
	return card
}

func swipeCard(t *testing.T, e *demo.Env, card reader.CardFile) {
	t.Helper()
	if err := e.Swipe(context.Background(), card); err != nil {
		t.Fatalf("swipe %s: %v", card.CardNo, err)
	}
}

// apiError returns err as the POS API's error answer, or fails the test.
func apiError(t *testing.T, err error) *api.APIError {
	t.Helper()
	var ae *api.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want an error answer of the POS API, got %v", err)
	}
	return ae
}
