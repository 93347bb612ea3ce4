// Package chaos is the fault-injection harness behind the guarantee
// "nothing lost, nothing doubled" (SPEC §8). It builds the real posagent and
// centre programs, runs them as separate processes on loopback, drives
// charges through the POS API while it kills the processes with SIGKILL or
// cuts and black-holes the link between them, and then audits what the
// cashiers were told against the agent's journal and the centre's store.
//
// It owns the harness only: processes and their restarts (Proc, Killer),
// the set-up of a centre and one terminal through the command line (World),
// the simulated card reader line (Line), a cashier that sells through
// crashes (Cashier) and the final audit (Audit). It is for tests; nothing
// in the product imports it. The tests beside it are the scenarios; see
// docs/DESIGN.md, "Fault-injection harness".
package chaos
