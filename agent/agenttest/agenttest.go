// Package agenttest is the agent side's test equipment, as bbolt's btesting
// is bbolt's: journals that are verified when the test ends, a builder of
// journal contents, the signed sample bundle, a test agent on a fake clock,
// quiet loggers, and Inject, which forges well-chained records into a
// stopped agent's journal file. Tests of agent, agent/api, agent/daemon, agent/cashier,
// sync/client and reader use it instead of writing their own; nothing but
// tests imports it.
//
// It owns no behaviour of the product: every journal is a real bbolt file,
// every bundle is signed and verified by the real code, the agent is the
// real agent.
package agenttest

import (
	"log/slog"
	"testing"
)

// Terminal is the terminal id of test journals and agents, the demo's.
const Terminal = "T001"

// Quiet returns a logger that discards everything.
func Quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Logger returns a logger that writes to the test's output at debug level,
// shown with -v or when the test fails; a benchmark's logger is quiet.
func Logger(t testing.TB) *slog.Logger {
	if _, bench := t.(*testing.B); bench {
		return Quiet()
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}
