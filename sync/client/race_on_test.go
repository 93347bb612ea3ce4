//go:build race

package client

// raceEnabled: the race detector slows everything about tenfold, so fault
// injection paces itself accordingly.
const raceEnabled = true
