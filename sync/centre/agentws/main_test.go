package agentws_test

import (
	"testing"

	"posagent/internal/pgtest"
)

// The rogue-terminal tests run on PostgreSQL too: one cluster for them all.
func TestMain(m *testing.M) { pgtest.Main(m) }
