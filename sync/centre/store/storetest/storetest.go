// Package storetest is the behavioural contract of store.Store, runnable
// against any implementation: exactly-once Apply under re-delivered,
// repeated and concurrent batches, the chain flags, the account flags,
// refusal of another terminal's entries, the transaction filters, card
// history, signed documents, users, terminals, daily reconciliations and
// JOURNAL_REPLACED marks and rebases, the look-up log, e-vouchers, the
// card proofs of presence Apply verifies with an issuer key, supervisors'
// rulings on held charges (second reviewer, history, two supervisors at
// once), the review queue's lists, and the audit log's hash chain under
// concurrent appends (Tamper checks, beside each store, that a changed
// event is found).
// Each store package runs it from a test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openEmpty(t) })
//	}
//
// It is for tests only. What a store does beyond the contract (its files,
// its schema) is tested beside the store.
package storetest

import (
	"testing"

	"posagent/sync/centre/store"
)

// Opener returns a new, empty store for one test and closes it when the
// test ends (t.Cleanup).
type Opener func(t *testing.T) store.Store

// Run runs every behavioural test as a subtest of t, each on a store of
// its own.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Accounts", accountTests},
		{"Terminals", terminalTests},
		{"Users", userTests},
		{"Signed", signedTests},
		{"Apply", applyTests},
		{"CardProof", cardProofTests},
		{"Model", modelTests},
		{"Transactions", transactionTests},
		{"CardHistory", historyTests},
		{"Reconciliations", reconciliationTests},
		{"Journal", journalTests},
		{"Lookups", lookupTests},
		{"Vouchers", voucherTests},
		{"Queue", queueTests},
		{"Rulings", rulingTests},
		{"Audit", auditTests},
		{"Records", recordTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
			}
		})
	}
}

// test is one behavioural test.
type test struct {
	name string
	fn   func(t *testing.T, open Opener)
}
