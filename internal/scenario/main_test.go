package scenario

import (
	"testing"

	"posagent/internal/pgtest"
)

// Scenarios that put the centre on PostgreSQL share one cluster.
func TestMain(m *testing.M) { pgtest.Main(m) }
