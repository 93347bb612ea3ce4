// Package policy owns the decisions: the catalogue, the rules, and the
// evaluation of one purchase against them. It is pure: it does no I/O, reads
// no clock and keeps no globals. Everything it needs — the cart, the card
// and how it was presented, the card holder, the card's history, the trace
// codes already sold, the bundle and the time — is passed in, so the same
// inputs always give the same decision, at the agent and again at the
// centre.
//
// Money is int64 fen everywhere. Days of supply are int64 thousandths of a
// day ("millidays") so that decimal days_per_unit values stay exact.
//
// ParseCatalogue and ParseRules read the centre's two files (SPEC §7, §12)
// into a Bundle. Evaluate decides a purchase in fixed steps: card checks
// (status, identity, expiry), line checks (coverage, forbidden categories,
// barcode, prescription, trace codes, price cap, days of supply and the
// designated pharmacy, disease, age, sex), the card's history (supply
// overlap, watch list), proof of presence, then the transaction patterns
// (daily count and amount, structuring, card hoarding, business hours),
// stale rules, the identity check and manager approval. Money moves in one
// order: amount, price-cap excess, class-B self-pay, line blocks, the
// proof-of-presence limit, transaction blocks, offline limit, balance; for
// every line account + cash = amount. docs/RULES.md gives every rule, its
// default, and every reason code with its severity, evidence and messages.
//
// Files, in the order a purchase flows through them: catalogue*.go and
// rules*.go (the bundle), types.go (the nouns), evaluate.go (the steps),
// card.go (card, account, person), lines.go, trace.go, money.go (money
// moves, offline limits, stale rules), history.go (supply overlap, watch
// list), patterns.go, counter.go (identity check, manager approval),
// evidence.go, messages.go.
package policy

import "time"

// Code is a reason code of SPEC §6.
type Code string

// Reason codes. Each has a Chinese and an English cashier message (see
// messages.go) and a default severity that a bundle may override.
const (
	CardUnknown Code = "CARD_UNKNOWN"
	CardBlocked Code = "CARD_BLOCKED"
	CardExpired Code = "CARD_EXPIRED"
	CardInvalid Code = "CARD_INVALID"

	ItemNotCovered    Code = "ITEM_NOT_COVERED"
	ItemForbidden     Code = "ITEM_FORBIDDEN"
	ItemCodeMismatch  Code = "ITEM_CODE_MISMATCH"
	PriceAboveCap     Code = "PRICE_ABOVE_CAP"
	RxRequired        Code = "RX_REQUIRED"
	QtyOverLimit      Code = "QTY_OVER_LIMIT"
	DiseaseRestricted Code = "DISEASE_RESTRICTED"
	AgeRestricted     Code = "AGE_RESTRICTED"
	SexRestricted     Code = "SEX_RESTRICTED"

	SplitSupplyOverlap Code = "SPLIT_SUPPLY_OVERLAP"
	SplitDailyCount    Code = "SPLIT_DAILY_COUNT"
	SplitDailyAmount   Code = "SPLIT_DAILY_AMOUNT"
	SplitStructuring   Code = "SPLIT_STRUCTURING"
	CardHoarding       Code = "CARD_HOARDING"
	OffHours           Code = "OFF_HOURS"
	IDCheckRequired    Code = "ID_CHECK_REQUIRED"

	BalanceInsufficient Code = "BALANCE_INSUFFICIENT"
	OfflineLimit        Code = "OFFLINE_LIMIT"
	RulesStale          Code = "RULES_STALE"

	// Second edition (SPEC §10, §12).
	IDMismatch         Code = "ID_MISMATCH"
	CardProofMissing   Code = "CARD_PROOF_MISSING"
	TraceCodeReused    Code = "TRACE_CODE_REUSED"
	TraceCodeRequired  Code = "TRACE_CODE_REQUIRED"
	DesignatedPharmacy Code = "DESIGNATED_PHARMACY"
	CardWaitingPeriod  Code = "CARD_WAITING_PERIOD"
	NoPersonalAccount  Code = "NO_PERSONAL_ACCOUNT"
	WatchlistLimit     Code = "WATCHLIST_LIMIT"
	BarcodeRequired    Code = "BARCODE_REQUIRED"
	ApprovalRequired   Code = "APPROVAL_REQUIRED"
)

// Severity says what a reason does to the sale. It comes from the bundle.
type Severity string

const (
	// Block: the line (or, for a transaction-level reason, the whole
	// transaction) is not paid from the account; it is paid in cash.
	Block Severity = "block"
	// Confirm: the charge is refused until the cashier confirms the code.
	Confirm Severity = "confirm"
	// Review: paid as usual and flagged for supervisors.
	Review Severity = "review"
)

// Reason is one finding, with the numbers that tripped it.
//
// Evaluate keeps the evidence in a compact form and leaves Evidence nil:
// building a map per reason cost more than the rest of an evaluation. The
// evidence is written as the JSON object "evidence" when the reason is
// encoded (so every record, quote and wire message carries it, and a decoded
// Reason has it in Evidence); in Go, read it with EvidenceMap or Fact, or
// fill every Evidence field of a decision with Decision.FillEvidence.
type Reason struct {
	Code      Code     `json:"code"`
	Severity  Severity `json:"severity"`
	Message   string   `json:"message"`
	MessageZh string   `json:"message_zh"`
	// Evidence is the evidence by name when it was set by hand, decoded
	// from JSON or filled by FillEvidence; nil on Evaluate's output.
	Evidence map[string]any `json:"evidence,omitempty"`
	facts    []fact         // Evaluate's evidence, in the order found
}

// CardSource says how the card was presented (SPEC §10).
type CardSource string

// Card sources. The empty source is "not said" (a caller of the first
// edition): presence is then not judged.
const (
	SourceFrame   CardSource = "frame"   // IC card in the frame reader
	SourceTrack2  CardSource = "track2"  // magnetic-stripe swipe: never proves presence
	SourceVoucher CardSource = "voucher" // 医保电子凭证 redeemed at the centre
)

// Card is what the reader read from the card in the reader.
type Card struct {
	CardNo   string
	PersonID string    // 18-character resident id; empty for a track-2 swipe
	Name     string    // empty for a track-2 swipe
	Sex      string    // "M", "F" or "" when unknown
	Birth    time.Time // zero when unknown
	Expiry   time.Time // the last valid day (midnight, any zone); zero when unknown
	// Problem is non-empty when the card was readable but its data is
	// invalid (for example a wrong resident-id check character). It gives
	// CARD_INVALID with the problem as evidence.
	Problem string
	// Source is how the card was presented; "" = not said, presence is
	// not judged.
	Source CardSource
	// Proven is true when the holder's presence is proven for this sale: a
	// voucher redeemed at the centre, or an IC card that answers the AUTH
	// challenge (SPEC §10; the agent refuses a charge whose card then does
	// not sign it, the centre sets Proven when the record's cryptogram
	// verifies). A track-2 swipe is never proven. With Source set and
	// Proven false, account payment is limited to track2_account_limit
	// (CARD_PROOF_MISSING).
	Proven bool
}

// Account statuses (SPEC §7, §12). Any other status is treated as lost.
const (
	StatusActive    = "active"
	StatusLost      = "lost"
	StatusSuspended = "suspended"
	StatusReplaced  = "replaced"
	// StatusWaiting: the benefits' waiting period (待遇等待期) has not
	// ended; CARD_WAITING_PERIOD.
	StatusWaiting = "waiting"
	// StatusNoAccount: insured without a personal account; every sale is
	// cash (NO_PERSONAL_ACCOUNT).
	StatusNoAccount = "no_account"
)

// AccountStatuses lists the account statuses of SPEC §7 and §12.
func AccountStatuses() []string {
	return []string{StatusActive, StatusLost, StatusSuspended, StatusReplaced, StatusWaiting, StatusNoAccount}
}

// Holder is the personal account behind a card, as the centre (or, offline,
// the agent's last knowledge) has it.
type Holder struct {
	CardNo   string   `json:"card_no"`
	PersonID string   `json:"person_id"`
	Name     string   `json:"name"`
	Status   string   `json:"status"` // one of AccountStatuses
	Balance  int64    `json:"balance"`
	Diseases []string `json:"diseases,omitempty"` // certified ICD-10 codes
	Pharmacy string   `json:"pharmacy,omitempty"` // chronic-disease designated pharmacy
	Blocked  bool     `json:"blocked,omitempty"`  // on the centre's blocklist
	// Sex ("M", "F") and Birth are the holder's, from the resident id
	// (ParsePersonID), for answers that may not carry the id itself (SPEC
	// §9). Evaluate uses them, or else PersonID, when the card does not
	// say (a track-2 swipe).
	Sex   string    `json:"sex,omitempty"`
	Birth time.Time `json:"birth,omitzero"`
	// IDMismatch is set by whoever compared the resident id read from the
	// card with the account's without passing the account's id on (the
	// centre answering a look-up): ID_MISMATCH.
	IDMismatch bool `json:"id_mismatch,omitempty"`
}

// Line is one line of the cart as the POS sends it.
type Line struct {
	Code      string `json:"code"`
	Barcode   string `json:"barcode"`
	Qty       int64  `json:"qty"`
	UnitPrice int64  `json:"unit_price"`
	RxID      string `json:"rx_id,omitempty"`
	// TraceCodes are the drug traceability codes (药品追溯码) of the packs
	// sold, one per pack, as scanned (CheckTraceCode).
	TraceCodes []string `json:"trace_codes,omitempty"`
}

// Purchase is one earlier charge on the card, at any pharmacy.
type Purchase struct {
	TxnID    string         `json:"txn_id"`
	At       time.Time      `json:"at"`
	Pharmacy string         `json:"pharmacy"`
	Terminal string         `json:"terminal"`
	Total    int64          `json:"total"`
	Account  int64          `json:"account"`
	Items    []PurchaseItem `json:"items"`
}

// PurchaseItem is one line of an earlier purchase.
type PurchaseItem struct {
	Code string `json:"code"`
	Qty  int64  `json:"qty"`
	Days int64  `json:"days"` // days of supply in millidays, fixed at sale time
}

// History is the card's earlier purchases, oldest first. Voided purchases
// are left out by whoever builds it.
type History struct {
	Purchases []Purchase
	// Partial is true when only this terminal's purchases are known (the
	// centre could not be asked); reasons built from history say so in
	// their evidence.
	Partial bool
}

// Swipe is one card read at this terminal.
type Swipe struct {
	CardNo string
	At     time.Time
}

// Input is everything Evaluate looks at.
type Input struct {
	Now      time.Time // in the pharmacy's local zone: days and hours are taken from it
	Terminal string
	Pharmacy string
	Card     Card
	Holder   *Holder // nil when the account is unknown
	Lines    []Line
	History  History
	Swipes   []Swipe // recent card reads at this terminal, any order

	// Offline is true when the centre cannot be reached; offline limits and
	// rule staleness apply.
	Offline bool
	// LastContact is the last time the centre was reached (zero: never).
	LastContact time.Time
	// OfflineCardUsed and OfflineTerminalUsed are the account fen already
	// charged offline and not yet applied at the centre, for this card and
	// for the whole terminal.
	OfflineCardUsed     int64
	OfflineTerminalUsed int64

	// SoldTraceCodes are the cart's trace codes that were already sold
	// (at any pharmacy; this sale itself left out), as the caller found
	// them: the agent asks the centre at quote time, the centre looks in
	// its index. Each gives TRACE_CODE_REUSED. Policy reads only this.
	SoldTraceCodes []string
}

// LineDecision is the decision for one cart line.
type LineDecision struct {
	Code    string   `json:"code"`
	Amount  int64    `json:"amount"`  // qty × unit_price
	Account int64    `json:"account"` // paid from the personal account
	Cash    int64    `json:"cash"`    // paid by the person
	Days    int64    `json:"days"`    // days of supply in millidays (0 when unlimited)
	Reasons []Reason `json:"reasons"`
}

// Decision is the outcome of Evaluate.
type Decision struct {
	Lines        []LineDecision `json:"lines"`
	Total        int64          `json:"total"`
	AccountTotal int64          `json:"account_total"`
	CashTotal    int64          `json:"cash_total"`
	Reasons      []Reason       `json:"reasons"`  // transaction-level reasons
	Required     []Code         `json:"required"` // codes the cashier must confirm
}

// NeedsApproval reports whether the charge needs a manager's approval (a
// manager's PIN other than the cashier's, SPEC §12): APPROVAL_REQUIRED is
// among the codes to confirm. Its evidence says why.
func (d *Decision) NeedsApproval() bool {
	return containsCode(d.Required, ApprovalRequired)
}

// Bundle is one signed version of the catalogue and the rules. It is never
// modified once built, so it can be shared by concurrent evaluations and
// swapped atomically.
type Bundle struct {
	Version   int64
	IssuedAt  time.Time
	Catalogue *Catalogue
	Rules     Rules
}
