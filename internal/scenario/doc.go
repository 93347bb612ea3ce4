// Package scenario holds the trust scenarios of posagent: end-to-end tests
// that stand up a whole world (internal/demo: a real centre on loopback, a
// real agent reading a simulated card reader on a pseudo-terminal, real
// bbolt files) and check, with exact amounts, the promises a regional
// insurance centre relies on — nothing lost, nothing doubled, rules that
// can be trusted:
//
//   - bundles_test.go: forged, truncated and older rule bundles are refused
//     with the reason shown at the counter and at the centre; a good one
//     activates atomically under concurrent quotes.
//   - tamper_test.go: records deleted or edited in a stopped agent's journal
//     are flagged CHAIN_GAP and CHAIN_BROKEN at the centre.
//   - inject_test.go: well-chained charges forged into a stopped agent's
//     journal (agenttest.Inject) are re-judged at the centre, on each store:
//     flagged with the right code and held, so no account loses more than
//     the rules allow, while the honest sales of the day pass untouched.
//   - diskfull_test.go: a full disk refuses the charge clearly, charges
//     nothing, and loses nothing written before.
//   - offline_test.go: offline limits, the offline exposure, cards blocked
//     and balances spent elsewhere while offline (BLOCKED_AT_SYNC,
//     OVERDRAFT), and blocklist deltas.
//   - stale_test.go: rules too old while offline stop account payment; the
//     last contact with the centre outlives a restart during an outage.
//   - drain_bench_test.go: how fast a 100,000-record backlog drains to the
//     centre, against the bare bbolt ceiling.
//
// Helpers: world_test.go (the world, waits), pos_test.go (sales),
// centre_test.go (the supervisor API), relay_test.go (a man in the middle
// on the agent's websocket). The package has no code outside its tests.
package scenario
