package chaos_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"posagent/internal/chaos"
)

var (
	flagKills   = flag.Int("chaos.kills", 200, "SIGKILLs in TestKillNineAgentAndCentre (-short: at most 10)")
	flagCharges = flag.Int("chaos.charges", 10000, "charges in TestChargesThroughCutLink (-short: at most 1000)")
	flagSeed    = flag.Uint64("chaos.seed", 0, "random seed; 0 picks one from the clock (every test logs its seed)")
	flagRaceBin = flag.Bool("chaos.racebin", false, "build posagent and centre with -race as well")
)

// bins are the programs under test, built once by TestMain.
var bins chaos.Binaries

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "chaos-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if bins, err = chaos.Build(ctx, dir, *flagRaceBin); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		return 1
	}
	return m.Run()
}

// seed returns the run's seed and logs it, so a failure can be replayed
// with -chaos.seed.
func seed(t *testing.T) uint64 {
	s := *flagSeed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -chaos.seed=%d)", s, s)
	return s
}
