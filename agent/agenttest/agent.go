package agenttest

import (
	"crypto/ed25519"
	"path/filepath"
	"testing"
	"time"
	_ "time/tzdata" // the sample zone loads on machines without a zone database

	"posagent/agent"
	"posagent/agent/journal"
	"posagent/internal/clock"
)

// Shanghai is the sample pharmacies' zone.
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err) // time/tzdata is linked in: cannot happen
	}
	return loc
}()

// Morning is when a test agent's clock starts by default: a Monday at
// 10:00 in Shanghai, within the sample rules' business hours.
var Morning = time.Date(2025, 3, 10, 10, 0, 0, 0, Shanghai)

// AgentOptions adjust NewAgent; the zero value is a fresh terminal with
// the sample bundle active at Morning.
type AgentOptions struct {
	// Dir holds the journal ("" = a new temporary directory). An agent
	// made again on the same Dir (its journal closed first) is the same
	// terminal restarted.
	Dir string
	// Terminal id; default Terminal.
	Terminal string
	// Location is the pharmacy's zone; default Shanghai.
	Location *time.Location
	// Clock is the agent's clock; default a new Fake at Morning.
	Clock *clock.Fake
	// Pub and Priv are the centre's keys; default a fresh pair.
	Pub  ed25519.PublicKey
	Priv ed25519.PrivateKey
	// NoBundle leaves the agent without rules, as a terminal is before its
	// first contact with the centre.
	NoBundle bool
	// Config, when set, adjusts the agent's configuration last.
	Config func(*agent.Config)
}

// Agent is a real agent for a test: over a test journal (verified when the
// test ends), on a fake clock the test moves, with no centre and no
// reader unless the test gives them.
type Agent struct {
	*agent.Agent
	Journal *journal.Journal
	Clock   *clock.Fake
	Pub     ed25519.PublicKey
	Priv    ed25519.PrivateKey
}

// NewAgent builds a test agent; see AgentOptions.
func NewAgent(t testing.TB, o AgentOptions) *Agent {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.Terminal == "" {
		o.Terminal = Terminal
	}
	if o.Location == nil {
		o.Location = Shanghai
	}
	if o.Clock == nil {
		o.Clock = clock.NewFake(Morning)
	}
	if o.Pub == nil {
		o.Pub, o.Priv = Key(t)
	}
	j := JournalAt(t, filepath.Join(o.Dir, "journal.db"), o.Terminal)
	cfg := agent.Config{Terminal: o.Terminal, Journal: j, CentreKey: o.Pub, Logger: Quiet(),
		Clock: o.Clock, Location: o.Location}
	if o.Config != nil {
		o.Config(&cfg)
	}
	a, err := agent.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ta := &Agent{Agent: a, Journal: j, Clock: o.Clock, Pub: o.Pub, Priv: o.Priv}
	if !o.NoBundle {
		if o.Priv == nil {
			t.Fatal("agenttest: the sample bundle needs Priv with Pub")
		}
		if _, err := a.OfferSigned(SampleBundle(t, o.Priv, o.Clock.Now())); err != nil {
			t.Fatalf("sample bundle refused: %v", err)
		}
	}
	return ta
}
