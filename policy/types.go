// Package policy owns the decisions: the catalogue, the rules, and the
// evaluation of one purchase against them. It is pure: it does no I/O, reads
// no clock and keeps no globals. Everything it needs — the cart, the card
// holder, the card's history, the bundle and the time — is passed in, so the
// same inputs always give the same decision.
//
// Money is int64 fen everywhere. Days of supply are int64 thousandths of a
// day ("millidays") so that decimal days_per_unit values stay exact.
//
// ParseCatalogue and ParseRules read the centre's two files (SPEC §7) into a
// Bundle. Evaluate decides a purchase in fixed steps: card checks, line
// checks (coverage, forbidden categories, barcode, prescription, price cap,
// days of supply, disease, age, sex), supply overlap against the card's
// history, then the transaction patterns (daily count and amount,
// structuring, card hoarding, business hours), stale rules and the identity
// check. Money moves in one order: amount, price-cap excess, class-B
// self-pay, line blocks, transaction blocks, offline limit, balance; for
// every line account + cash = amount. docs/RULES.md gives every rule, its
// default, and every reason code with its severity, evidence and messages.
//
// Files, in the order a purchase flows through them: catalogue*.go and
// rules*.go (the bundle), evaluate.go (the steps), card.go, lines.go,
// money.go, history.go, supply.go, patterns.go, stale.go, idcheck.go,
// messages.go.
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
type Reason struct {
	Code      Code           `json:"code"`
	Severity  Severity       `json:"severity"`
	Message   string         `json:"message"`
	MessageZh string         `json:"message_zh"`
	Evidence  map[string]any `json:"evidence,omitempty"`
}

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
}

// Holder is the personal account behind a card, as the centre (or, offline,
// the agent's last knowledge) has it.
type Holder struct {
	CardNo   string   `json:"card_no"`
	PersonID string   `json:"person_id"`
	Name     string   `json:"name"`
	Status   string   `json:"status"` // active, lost, suspended, replaced
	Balance  int64    `json:"balance"`
	Diseases []string `json:"diseases,omitempty"` // certified ICD-10 codes
	Pharmacy string   `json:"pharmacy,omitempty"` // chronic-disease designated pharmacy
	Blocked  bool     `json:"blocked,omitempty"`  // on the centre's blocklist
}

// Line is one line of the cart as the POS sends it.
type Line struct {
	Code      string `json:"code"`
	Barcode   string `json:"barcode"`
	Qty       int64  `json:"qty"`
	UnitPrice int64  `json:"unit_price"`
	RxID      string `json:"rx_id,omitempty"`
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

// Bundle is one signed version of the catalogue and the rules. It is never
// modified once built, so it can be shared by concurrent evaluations and
// swapped atomically.
type Bundle struct {
	Version   int64
	IssuedAt  time.Time
	Catalogue *Catalogue
	Rules     Rules
}
