package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"posagent/internal/clock"
)

// Killer sends SIGKILL to one of its processes at random moments and
// restarts the killed one at once, Kills times.
type Killer struct {
	Procs []*Proc
	Kills int
	Rand  *rand.Rand
	// Min and Max bound the random wait between kills, measured from the
	// moment the last killed process serves again (default 50–400 ms).
	Min, Max time.Duration
	// StartupShare is the share (0–1) of waits that start right after the
	// restart instead, so that some kills land while the process is still
	// starting up (opening its files, replaying its state).
	StartupShare float64
}

// KillCounts is how many times each process was killed, by name.
type KillCounts map[string]int

// Run kills until Kills is reached or ctx ends, and returns the counts.
// Every killed process has been restarted and is serving (or ctx ended)
// when Run returns.
func (k *Killer) Run(ctx context.Context) (KillCounts, error) {
	if k.Min <= 0 {
		k.Min = 50 * time.Millisecond
	}
	if k.Max <= k.Min {
		k.Max = 400 * time.Millisecond
	}
	counts := KillCounts{}
	for n := 0; n < k.Kills; n++ {
		clock.Sleep(ctx, clock.Real(), k.Min+time.Duration(k.Rand.Int64N(int64(k.Max-k.Min))))
		if ctx.Err() != nil {
			return counts, nil
		}
		p := k.Procs[k.Rand.IntN(len(k.Procs))]
		if err := p.Restart(); err != nil {
			return counts, fmt.Errorf("kill %d: %w", n+1, err)
		}
		counts[p.Name]++
		if k.Rand.Float64() < k.StartupShare {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := p.WaitReady(rctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			return counts, fmt.Errorf("after kill %d: %w", n+1, err)
		}
	}
	for _, p := range k.Procs { // the last restart may have been left starting
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := p.WaitReady(rctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			return counts, err
		}
	}
	return counts, nil
}
