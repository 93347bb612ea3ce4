// Package store owns the centre's durable state: personal accounts and
// their ledger, enrolled terminals and their hash chains, supervisor users,
// signed rule bundles and blocklist deltas, every record the terminals
// synced, and the hash-chained audit log of what people did. Store is the interface; OpenBolt is the embedded implementation.
//
// The one operation that matters most is Apply: it applies a terminal's
// entries to the ledger exactly once per (terminal, seq), in one atomic
// transaction with the record itself, and flags chain gaps and breaks
// instead of refusing them.
package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"posagent/internal/cardproof"
	"posagent/policy"
	"posagent/sync/centre/ledger"
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
	// Journal is the last JOURNAL_REPLACED mark of the terminal and its
	// rebase, if any; nil when the centre never saw a replaced journal.
	Journal *JournalMark `json:"journal,omitempty"`
}

// FlagJournalReplaced marks a terminal that showed a journal other than
// the one the centre holds: wiped, or replaced by an older copy.
const FlagJournalReplaced = "JOURNAL_REPLACED"

// Why a journal was marked replaced (JournalMark.Reason).
const (
	// JournalBehind: the hello's last seq is below the centre's acked seq.
	JournalBehind = "behind"
	// JournalUnchained: the first entry past the centre's acked seq does
	// not link to the centre's last hash.
	JournalUnchained = "unchained"
)

// JournalMark is a JOURNAL_REPLACED mark on a terminal (SPEC §9): when the
// centre saw a journal that is not the one it holds, and, once an operator
// ran `centre terminal rebase`, the break the terminal continues after.
type JournalMark struct {
	SeenAt   time.Time `json:"seen_at"`
	Reason   string    `json:"reason"`    // JournalBehind or JournalUnchained
	AgentSeq uint64    `json:"agent_seq"` // the hello's last seq, or the seq of the entry that did not link
	AckedSeq uint64    `json:"acked_seq"` // the centre's acked seq when seen
	// Set by the rebase: when, by whom, and the centre's acked seq and
	// last hash then, which an empty journal continues after.
	RebasedAt  time.Time `json:"rebased_at,omitzero"`
	RebasedBy  string    `json:"rebased_by,omitempty"`
	RebaseSeq  uint64    `json:"rebase_seq,omitempty"`
	RebaseHash string    `json:"rebase_hash,omitempty"`
}

// Open reports whether the mark awaits a rebase.
func (m *JournalMark) Open() bool { return m != nil && m.RebasedAt.IsZero() }

// ErrNotReplaced is returned (wrapped) by RebaseTerminal for a terminal
// without an open JOURNAL_REPLACED mark.
var ErrNotReplaced = errors.New("terminal has no replaced journal awaiting a rebase")

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
	// Held is the part of Account the centre did not allow (SPEC §9): not
	// taken from the account, not payable to the pharmacy. Hold says what
	// became of it: HoldHeld until a ruling, HoldDeferred or
	// HoldRefusePending while still held after one, then HoldAccepted or
	// HoldRefused, or HoldVoided when the charge was voided meanwhile;
	// "" when nothing was held.
	Held int64  `json:"held"`
	Hold string `json:"hold,omitempty"`
	// Findings are the centre's own findings on the record (ledger.Judge),
	// with their evidence; their codes are among Flags.
	Findings []ledger.Finding `json:"findings,omitempty"`
	// Presence is how the record says the holder was there (SPEC §10);
	// nil when it does not say. Whether its proof held is in Flags.
	Presence *Presence `json:"presence,omitempty"`
}

// Presence is a record's card-read evidence and the proof it carries.
type Presence struct {
	Source  string `json:"source"`            // "frame", "track2" or "voucher"
	Proof   string `json:"proof,omitempty"`   // "card" (the card's signature), "voucher" (a redeemed token) or "" (none)
	Counter uint64 `json:"counter,omitempty"` // the card's transaction counter of a card proof
}

// presenceOf is rec's Presence, nil when it carries no card-read evidence
// and no proof.
func presenceOf(rec wire.Record) *Presence {
	if rec.CardRead == nil && rec.CardProof == nil {
		return nil
	}
	p := &Presence{}
	if rec.CardRead != nil {
		p.Source = rec.CardRead.Source
		if p.Source == "voucher" && rec.CardRead.Voucher != "" {
			p.Proof = "voucher"
		}
	}
	if rec.CardProof != nil {
		p.Proof, p.Counter = "card", rec.CardProof.Counter
	}
	return p
}

// States of a charge's hold (Txn.Hold); ledger.RuleOn says how rulings
// move between them.
const (
	HoldHeld          = ledger.HoldHeld
	HoldDeferred      = ledger.HoldDeferred      // 缓付: still held
	HoldRefusePending = ledger.HoldRefusePending // a refusal awaiting a second supervisor: still held
	HoldAccepted      = ledger.HoldAccepted
	HoldRefused       = ledger.HoldRefused
	HoldVoided        = ledger.HoldVoided
)

// AwaitsRuling reports whether a charge whose hold is hold awaits a
// supervisor's ruling (held, deferred, or a refusal awaiting its second
// supervisor): the review queue's held records.
func AwaitsRuling(hold string) bool { return ledger.HoldAwaiting(hold) }

// ErrNoHold is returned (wrapped) by Rule for a record with nothing held
// awaiting a ruling.
var ErrNoHold = ledger.ErrNoHold

// RulingRequest is a supervisor's ruling on the hold of the charge at
// (Terminal, Seq), as Store.Rule takes it.
type RulingRequest struct {
	Terminal string
	Seq      uint64
	Action   string    // ledger.RulingAccept, RulingRefuse, RulingDefer or RulingConfirm
	By       string    // the supervisor
	Note     string    // required for refuse and defer
	At       time.Time // when it was made; kept in UTC to the microsecond
	// SecondReviewAmount is the current rules' second_review_amount (fen).
	SecondReviewAmount int64
}

// Ruling is one entry of a record's ruling history.
type Ruling struct {
	Action string    `json:"action"`
	By     string    `json:"by"`
	Note   string    `json:"note,omitempty"`
	At     time.Time `json:"at"`
	State  string    `json:"state"` // the hold state it left
}

// Judging is what Apply needs from the centre to re-judge each record
// (SPEC §9) besides the store's own state.
type Judging struct {
	ReceivedAt time.Time
	// Zone is the region's time zone, in which days begin (nil: UTC).
	Zone *time.Location
	// Bundle returns the published bundle of a rules version, nil when it
	// was never published. A nil func turns the rules off: only each
	// record's own checks (arithmetic, dates, repeated txn_id) run.
	Bundle func(version int64) *policy.Bundle
	// HistoryDays is how far back the card history for the rules reaches
	// (0: 90 days).
	HistoryDays int
	// IssuerKey is the region's card issuer key: with it, each charge's
	// card proof is verified (ledger.CheckPresence), each verified
	// (card, counter) is recorded with the record, in the same
	// transaction, and a counter used twice is CARD_COUNTER_REPLAY. Nil
	// judges no presence (a region whose cards carry no keys yet).
	IssuerKey cardproof.IssuerKey
}

// HistoryFrom is the start of the card history Apply gives the rules for a
// record at at.
func (j Judging) HistoryFrom(at time.Time) time.Time {
	days := j.HistoryDays
	if days <= 0 {
		days = 90
	}
	return at.AddDate(0, 0, -days)
}

// HistoryTo is the end of the card history Apply gives the rules for a
// record at at: the start of the next local day in Zone. Purchases dated
// at or after at that the centre already applied are in it (ledger.Judge
// counts them as just before the record), so a terminal cannot escape
// the day's limits by dating its charges alike or latest first.
func (j Judging) HistoryTo(at time.Time) time.Time {
	zone := j.Zone
	if zone == nil {
		zone = time.UTC
	}
	y, m, d := at.In(zone).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, zone)
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

// HasCode reports whether t carries code as a flag (the centre's, its
// findings' included) or as the code of one of its reasons.
func (t Txn) HasCode(code string) bool {
	if slices.Contains(t.Flags, code) {
		return true
	}
	return slices.ContainsFunc(t.Reasons, func(r policy.Reason) bool { return string(r.Code) == code })
}

// Filter selects transactions. Zero fields match everything.
type Filter struct {
	Pharmacy string
	Terminal string
	CardNo   string
	Kind     string
	Flagged  bool
	Held     bool   // only charges with a hold awaiting a ruling (AwaitsRuling)
	Cashier  string // the operator who made the record
	Code     string // a flag or reason code the record carries (HasCode)
	// Account within [MinAccount, MaxAccount] fen; MaxAccount 0 is no
	// upper bound.
	MinAccount, MaxAccount int64
	From, To               time.Time // At in [From, To)
	Limit                  int       // 0: a default of 1000
}

// StoredRecord is a stored record: the supervisors' view of it and the
// record as its terminal sent it (lines, card, time and all).
type StoredRecord struct {
	Txn    Txn
	Record wire.Record
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
	// MarkJournalReplaced sets m (SeenAt, Reason, AgentSeq, AckedSeq) as
	// the terminal's JOURNAL_REPLACED mark unless an open mark is there
	// already (the first sighting is kept); it reports whether it set it.
	// ErrNotFound for a terminal not enrolled.
	MarkJournalReplaced(ctx context.Context, id string, m JournalMark) (bool, error)
	// RebaseTerminal resolves the terminal's open mark: it records at, by
	// and the terminal's acked seq and last hash as the break, in one
	// transaction with reading them. The chain state itself is not
	// changed. ErrNotReplaced without an open mark; ErrNotFound for a
	// terminal not enrolled. It returns the terminal as it now stands.
	RebaseTerminal(ctx context.Context, id, by string, at time.Time) (Terminal, error)

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
	// the batch is applied. Each new charge and void is re-judged
	// (ledger.Judge, with the card's account and its history at every
	// pharmacy as this transaction sees them); a charge takes from the
	// card's balance only what the centre allows, and holds the rest
	// (ledger.Settle); a void gives back what its charge took. With
	// j.IssuerKey, each charge's card proof is verified too and each
	// verified (card, counter) recorded, so a counter used twice is
	// CARD_COUNTER_REPLAY. The records, the ledger, the card counters and
	// the chain state commit together.
	Apply(ctx context.Context, terminal string, entries []wire.Entry, j Judging) (ApplyResult, error)
	// Rule records a supervisor's ruling on the hold of the charge at
	// (r.Terminal, r.Seq) as ledger.RuleOn decides it, given the record's
	// hold, its held fen, the author of a pending refusal and
	// r.SecondReviewAmount: accepted, the held fen are taken from the
	// account (ledger.Rule) and a later void refunds all of the charge;
	// otherwise nothing moves. The new hold state and the ruling's entry
	// in the record's history commit together with the money, so of two
	// rulings at once on one record the second sees the first's state and
	// money moves exactly once. A record that is not found wraps
	// ErrNotFound; RuleOn's errors (ErrNoHold, ledger.ErrOwnRuling, ...)
	// are wrapped. It returns the record as it now stands.
	Rule(ctx context.Context, r RulingRequest) (Txn, error)
	// Rulings returns the ruling history of the record at (terminal,
	// seq), oldest first; empty when never ruled on; ErrNotFound when
	// there is no such record.
	Rulings(ctx context.Context, terminal string, seq uint64) ([]Ruling, error)
	// Transactions lists synced records, newest first.
	Transactions(ctx context.Context, f Filter) ([]Txn, error)
	// EachRecord calls fn with every stored record dated in [from, to),
	// oldest first (then by terminal and seq), as one consistent view,
	// until fn returns an error, which it returns wrapped. fn must not
	// call the store.
	EachRecord(ctx context.Context, from, to time.Time, fn func(StoredRecord) error) error
	// CardHistory returns a card's charges since a time, at every terminal,
	// oldest first, voided charges, charges with a hold not accepted
	// (awaiting a ruling, refused) and charges repeating an earlier txn_id
	// of their terminal left out: they do not count against the patient.
	CardHistory(ctx context.Context, cardNo string, since time.Time) ([]policy.Purchase, error)

	// PutReconciliation stores the result of one terminal-day's daily
	// reconciliation, replacing an earlier result of the same (terminal,
	// day).
	PutReconciliation(ctx context.Context, r Reconciliation) error
	// Reconciliations lists stored results matching f, newest day first
	// (within a day, by terminal id descending).
	Reconciliations(ctx context.Context, f ReconciliationFilter) ([]Reconciliation, error)

	// LogLookup appends an account look-up to the log (its Sale field is
	// not stored).
	LogLookup(ctx context.Context, l Lookup) error
	// Lookups lists logged look-ups matching f, newest first, each with
	// Sale set when a charge of its terminal and card is dated or was
	// received in [At − SaleBefore, At + SaleWithin), worked out as the
	// records stand now.
	Lookups(ctx context.Context, f LookupFilter) ([]Lookup, error)

	// PutVoucher stores a newly issued e-voucher (not redeemed, not
	// used); a token already stored wraps ErrVoucherExists.
	PutVoucher(ctx context.Context, v Voucher) error
	// Voucher returns one e-voucher, or ErrNotFound.
	Voucher(ctx context.Context, token string) (Voucher, error)
	// RedeemVoucher redeems a token for r.Terminal at r.At, atomically
	// and once (CheckRedemption): a token never issued wraps
	// ErrVoucherUnknown, one redeemed before (by any terminal)
	// ErrVoucherUsed, one at or past its ExpiresAt ErrVoucherExpired. In
	// the same transaction, whatever the outcome, the attempt is appended
	// to the look-up log (Kind LookupVoucher). It returns the voucher as
	// it now stands (on a refusal, as stored: its card is known unless
	// unknown).
	RedeemVoucher(ctx context.Context, r Redemption) (Voucher, error)
	// UseVoucher is VoucherTx.UseVoucher in a transaction of its own (for
	// tools and tests); Apply's own transaction offers the same check.
	UseVoucher(ctx context.Context, u VoucherUse) error

	// AppendAudit appends e (At, Actor, Action, Subject, Detail) to the
	// audit log: in one transaction with reading the last event, it sets
	// Seq to the next number, PrevHash to the last event's Hash and Hash
	// to AuditHash, so concurrent appends still form one chain. It returns
	// the event as stored.
	AppendAudit(ctx context.Context, e AuditEvent) (AuditEvent, error)
	// Audit lists the events matching f, newest (highest Seq) first.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
	// VerifyAudit walks the audit log oldest first and returns how many
	// events hold; at the first that does not, it returns the count
	// before it and an *AuditBroken.
	VerifyAudit(ctx context.Context) (int, error)

	// Close releases the store.
	Close() error
}
