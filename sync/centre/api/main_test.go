package api_test

import (
	"testing"

	"posagent/internal/pgtest"
)

// The settlement and sample tests run on PostgreSQL too: one cluster for them all.
func TestMain(m *testing.M) { pgtest.Main(m) }
