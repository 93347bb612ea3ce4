// Package store owns the centre's durable state: personal accounts and
// their ledger, enrolled terminals and their hash chains, supervisor users,
// signed rule bundles and blocklist deltas, and every record the terminals
// synced. Store is the interface; OpenBolt is the embedded implementation.
//
// The one operation that matters most is Apply: it applies a terminal's
// entries to the ledger exactly once per (terminal, seq), in one atomic
// transaction with the record itself, and flags chain gaps and breaks
// instead of refusing them.
package store

import (
	"context"
	"errors"
	"time"

	"posagent/policy"
	"posagent/sync/wire"
)

// ErrNotFound is returned (wrapped) by lookups that find nothing.
var ErrNotFound = errors.New("not found")

// Roles of supervisor users.
const (
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// Terminal is an enrolled pharmacy terminal and its sync state.
type Terminal struct {
	ID               string    `json:"id"`
	Pharmacy         string    `json:"pharmacy"`
	TokenHash        string    `json:"token_hash"` // hex SHA-256 of the terminal token
	EnrolledAt       time.Time `json:"enrolled_at"`
	AckedSeq         uint64    `json:"acked_seq"` // highest contiguous seq applied
	LastHash         string    `json:"last_hash"` // hash of the entry at AckedSeq
	LastSeen         time.Time `json:"last_seen"`
	RulesVersion     int64     `json:"rules_version"` // version the terminal reports active
	RulesError       string    `json:"rules_error,omitempty"`
	BlocklistVersion int64     `json:"blocklist_version"`
}

// User is a supervisor or administrator of the console and API.
type User struct {
	Name         string `json:"name"`
	Role         string `json:"role"`
	PasswordHash []byte `json:"password_hash"` // bcrypt
}

// Txn is one synced record as supervisors see it.
type Txn struct {
	Terminal     string          `json:"terminal"`
	Pharmacy     string          `json:"pharmacy"`
	Seq          uint64          `json:"seq"`
	TxnID        string          `json:"txn_id"`
	Kind         string          `json:"kind"`
	At           time.Time       `json:"at"`
	ReceivedAt   time.Time       `json:"received_at"`
	CardNo       string          `json:"card_no"`
	Cashier      string          `json:"cashier"`
	Total        int64           `json:"total"`
	Account      int64           `json:"account"`
	Cash         int64           `json:"cash"`
	Reasons      []policy.Reason `json:"reasons"`
	Flags        []string        `json:"flags"`
	Settled      string          `json:"settled"` // "centre" or "offline": how the agent settled it
	BalanceAfter int64           `json:"balance_after"`
	Reverses     string          `json:"reverses,omitempty"`
}

// Flagged reports whether supervisors should look at the transaction: a
// centre-side flag, or a reason whose severity is review or block.
func (t Txn) Flagged() bool {
	if len(t.Flags) > 0 {
		return true
	}
	for _, r := range t.Reasons {
		if r.Severity == policy.Review || r.Severity == policy.Block {
			return true
		}
	}
	return false
}

// Filter selects transactions. Zero fields match everything.
type Filter struct {
	Pharmacy string
	Terminal string
	CardNo   string
	Kind     string
	Flagged  bool
	From, To time.Time // At in [From, To)
	Limit    int       // 0: a default of 1000
}

// ApplyResult is what Apply did.
type ApplyResult struct {
	AckedSeq uint64            // the terminal's highest contiguous applied seq afterwards
	Results  []wire.Settlement // one per charge or void applied now
}

// Store is the centre's storage. Every method is safe for concurrent use.
type Store interface {
	// ImportAccounts inserts or replaces accounts (balance included).
	ImportAccounts(ctx context.Context, accounts []policy.Holder) error
	// Account returns the account of a card, or ErrNotFound.
	Account(ctx context.Context, cardNo string) (policy.Holder, error)
	// SetBlocked sets the blocked mark of the stored accounts among cards
	// (unknown cards are skipped) and changes nothing else: a balance
	// moved meanwhile by Apply is kept.
	SetBlocked(ctx context.Context, cards []string, blocked bool) error

	// EnrolTerminal creates or re-keys a terminal.
	EnrolTerminal(ctx context.Context, t Terminal) error
	// Terminal returns one terminal, or ErrNotFound.
	Terminal(ctx context.Context, id string) (Terminal, error)
	// Terminals lists every terminal, by id.
	Terminals(ctx context.Context) ([]Terminal, error)
	// ReportVersions records what a terminal says it runs.
	ReportVersions(ctx context.Context, id string, rules, blocklist int64, rulesErr string, seen time.Time) error

	// AddUser creates or replaces a user.
	AddUser(ctx context.Context, u User) error
	// User returns one user, or ErrNotFound.
	User(ctx context.Context, name string) (User, error)

	// PutSigned stores a signed bundle or blocklist delta. Its version must
	// be exactly one more than the latest of its kind.
	PutSigned(ctx context.Context, s wire.Signed) error
	// LatestSigned returns the newest document of a kind, or ErrNotFound.
	LatestSigned(ctx context.Context, kind string) (wire.Signed, error)
	// SignedSince returns the documents of a kind with version > after,
	// oldest first.
	SignedSince(ctx context.Context, kind string, after int64) ([]wire.Signed, error)

	// Apply applies a terminal's entries (ascending seq) exactly once per
	// (terminal, seq): entries at or below the terminal's AckedSeq are
	// skipped; a seq past AckedSeq+1 is applied and flagged CHAIN_GAP; a
	// body that does not hash to its hash, or whose prev_hash is not the
	// stored last hash, is applied and flagged CHAIN_BROKEN; an entry whose
	// body names another terminal is refused with an error and nothing of
	// the batch is applied. A charge lowers the card's balance by its
	// account part (flag OVERDRAFT if that goes below zero, BLOCKED_AT_SYNC
	// if the account is not active or the card blocked); a void raises it.
	// The records, the ledger and the chain state commit together.
	Apply(ctx context.Context, terminal string, entries []wire.Entry, receivedAt time.Time) (ApplyResult, error)

	// Transactions lists synced records, newest first.
	Transactions(ctx context.Context, f Filter) ([]Txn, error)
	// CardHistory returns a card's charges since a time, at every terminal,
	// oldest first, voided charges left out.
	CardHistory(ctx context.Context, cardNo string, since time.Time) ([]policy.Purchase, error)

	// PutReconciliation stores the result of one terminal-day's daily
	// reconciliation, replacing an earlier result of the same (terminal,
	// day).
	PutReconciliation(ctx context.Context, r Reconciliation) error
	// Reconciliations lists stored results matching f, newest day first
	// (within a day, by terminal id descending).
	Reconciliations(ctx context.Context, f ReconciliationFilter) ([]Reconciliation, error)

	// Close releases the store.
	Close() error
}
