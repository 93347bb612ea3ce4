package wire

import (
	"time"

	"posagent/policy"
)

// AgentPath is the websocket path of the centre's agent endpoint.
const AgentPath = "/v1/agent"

// Headers an agent sends on the websocket upgrade request. The token goes in
// "Authorization: Bearer <token>".
const (
	HeaderTerminal = "X-Posagent-Terminal"
)

// Read limits. The agent accepts large messages (a 100,000-item bundle);
// the centre accepts only what an agent needs to send.
const (
	MaxAgentMessage  = 4 << 20  // centre's read limit for one agent message
	MaxCentreMessage = 64 << 20 // agent's read limit for one centre message
	MaxBatch         = 500      // entries in one "entries" message
	MaxRecordBody    = 64 << 10 // one entry's body: the agent writes no larger, the centre refuses larger
	MaxNote          = 1 << 10  // a record's note (a void's reason, a charge's note)
)

// Message types. The flow after the upgrade:
//
//	agent  → hello            centre → welcome (acked seq, latest versions)
//	centre → bundle/blocklist (when the agent is behind; at any time later)
//	agent  → bundle_status    (after trying one)
//	agent  → entries          centre → ack (highest contiguous applied seq)
//	agent  → account_req      centre → account (same id)
//	agent  → reconcile        centre → reconciled (same id; daily reconciliation)
//	agent  → voucher_req      centre → voucher (same id; e-voucher redemption)
//	agent  → lookup_nonce_req centre → lookup_nonce (same id; a nonce for the card to sign before account_req)
//	either → error            (then closes)
const (
	TypeHello        = "hello"
	TypeWelcome      = "welcome"
	TypeEntries      = "entries"
	TypeAck          = "ack"
	TypeAccountReq   = "account_req"
	TypeAccount      = "account"
	TypeBundle       = "bundle"
	TypeBlocklist    = "blocklist"
	TypeBundleStatus = "bundle_status"
	TypeError        = "error"
	TypeReconcile    = "reconcile"   // agent's DaySummary of an ended (or, on demand, the current) day
	TypeReconciled   = "reconciled"  // centre's DayResult for it
	TypeVoucherReq   = "voucher_req" // agent's e-voucher token to redeem
	TypeVoucher      = "voucher"     // centre's VoucherAnswer for it
	// TypeLookupNonceReq asks for a fresh nonce for a proven look-up;
	// TypeLookupNonce answers it (Nonce, or Error RATE_LIMITED).
	TypeLookupNonceReq = "lookup_nonce_req"
	TypeLookupNonce    = "lookup_nonce"
)

// FeatureLookupProof, set in the welcome message's Extra, says the centre
// judges card presence (it holds the issuer key) and answers
// lookup_nonce_req; an agent asks for nonces only from such a centre.
const FeatureLookupProof = "lookup_proof"

// LookupProof is an account_req's proof that the card is at the counter:
// the card's answer (its counter and cryptogram) to
// cardproof.LookupChallenge(nonce, terminal, card_no) over a nonce the
// centre issued on this connection (single use, valid 60 s).
type LookupProof struct {
	Nonce      string `json:"nonce"`      // hex, as lookup_nonce gave it
	Counter    uint64 `json:"counter"`    // the card's transaction counter
	Cryptogram string `json:"cryptogram"` // hex
}

// FeatureReconcile, set in the welcome message's Extra, says the centre
// answers reconcile; an agent sends reconcile only to such a centre (an
// older one would close the connection on an unknown type).
const FeatureReconcile = "reconcile"

// Message is the one envelope every websocket message uses. Type says which
// of the optional fields is set.
type Message struct {
	Type    string   `json:"type"`
	ID      string   `json:"id,omitempty"` // pairs account_req with account, reconcile with reconciled, voucher_req with voucher
	Hello   *Hello   `json:"hello,omitempty"`
	Welcome *Welcome `json:"welcome,omitempty"`
	Entries []Entry  `json:"entries,omitempty"`
	Ack     *Ack     `json:"ack,omitempty"`
	CardNo  string   `json:"card_no,omitempty"` // account_req
	// PersonID is, in an account_req, the resident id read from the IC
	// card ("" for a track-2 swipe): the centre compares it with the
	// account's and answers only whether they differ (Holder.IDMismatch),
	// never the account's id.
	PersonID string `json:"person_id,omitempty"`
	// CardProof is an account_req's proof of the card's presence
	// (optional): with a valid one the answer is whole, without one a
	// centre holding the issuer key answers status and balance only.
	CardProof    *LookupProof    `json:"card_proof,omitempty"`
	Nonce        string          `json:"nonce,omitempty"` // lookup_nonce: hex, at least 16 bytes
	Account      *AccountInfo    `json:"account,omitempty"`
	Signed       *Signed         `json:"signed,omitempty"` // bundle, blocklist
	BundleStatus *BundleStatus   `json:"bundle_status,omitempty"`
	Error        *Error          `json:"error,omitempty"`
	Extra        map[string]bool `json:"extra,omitempty"` // welcome: optional features the centre supports (Feature*)
	Reconcile    *DaySummary     `json:"reconcile,omitempty"`
	Reconciled   *DayResult      `json:"reconciled,omitempty"`
	Token        string          `json:"token,omitempty"`   // voucher_req: the e-voucher token (without VoucherPrefix)
	Voucher      *VoucherAnswer  `json:"voucher,omitempty"` // voucher
}

// Hello is the agent's first message.
type Hello struct {
	Terminal         string `json:"terminal"`
	LastSeq          uint64 `json:"last_seq"`
	RulesVersion     int64  `json:"rules_version"`
	BlocklistVersion int64  `json:"blocklist_version"`
	AgentVersion     string `json:"agent_version,omitempty"`
}

// Welcome answers Hello.
type Welcome struct {
	AckedSeq         uint64    `json:"acked_seq"` // highest contiguous seq the centre applied
	ServerTime       time.Time `json:"server_time"`
	RulesVersion     int64     `json:"rules_version"` // latest published
	BlocklistVersion int64     `json:"blocklist_version"`
	// Rebase, set only after `centre terminal rebase` and before the
	// terminal's next entry, lets an empty journal start after the
	// centre's acked seq (DESIGN.md, "A replaced journal").
	Rebase *Rebase `json:"rebase,omitempty"`
}

// Rebase is where a rebased terminal's empty journal continues: its first
// record gets Seq+1 and links to Hash (the centre's last hash), so the
// centre's chain check goes on unbroken.
type Rebase struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// Ack acknowledges entries.
type Ack struct {
	AckedSeq uint64       `json:"acked_seq"`
	Results  []Settlement `json:"results,omitempty"`
}

// Settlement is what the centre did with one charge or void.
type Settlement struct {
	Seq          uint64   `json:"seq"`
	TxnID        string   `json:"txn_id"`
	BalanceAfter int64    `json:"balance_after"`
	Flags        []string `json:"flags,omitempty"` // CHAIN_GAP, CHAIN_BROKEN, OVERDRAFT, BLOCKED_AT_SYNC
}

// AccountInfo answers an account request: the account and the card's
// recent purchases at other terminals.
type AccountInfo struct {
	Found   bool              `json:"found"`
	Holder  policy.Holder     `json:"holder"`
	History []policy.Purchase `json:"history,omitempty"` // oldest first, voided ones left out
	// Reduced is set when the centre judges card presence and the look-up
	// carried no valid proof: the holder has only status, balance and the
	// blocked mark (no diseases, pharmacy, sex or birth) and History is
	// left out, so the agent's history is partial.
	Reduced bool `json:"reduced,omitempty"`
}

// BundleStatus reports what an agent did with a signed document.
type BundleStatus struct {
	Kind    string `json:"kind"`
	Offered int64  `json:"offered"` // version offered
	Active  int64  `json:"active"`  // version now active
	Error   string `json:"error,omitempty"`
}

// Error is a protocol error; the sender closes after it.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Flags the centre sets on applied records.
const (
	FlagChainGap      = "CHAIN_GAP"
	FlagChainBroken   = "CHAIN_BROKEN"
	FlagOverdraft     = "OVERDRAFT"
	FlagBlockedAtSync = "BLOCKED_AT_SYNC"
	// FlagVoidRepeated marks a void of a transaction already voided: it is
	// kept, and refunds nothing.
	FlagVoidRepeated = "VOID_REPEATED"
	// FlagVoidUnmatched marks a void that names no charge of its terminal
	// on the same card for the same amount: it is kept, and refunds nothing.
	FlagVoidUnmatched = "VOID_UNMATCHED"
)
