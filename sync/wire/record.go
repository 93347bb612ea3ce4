// Package wire owns what crosses between an agent and the centre: journal
// records and their hash chain, the websocket messages, and signed rule
// bundles. It holds no state and opens no connection; sync/client (the
// agent's end) and sync/centre (the centre's end) speak it.
package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"posagent/internal/cardproof"
	"posagent/policy"
)

// Record kinds.
const (
	KindCharge  = "charge"  // a sale; Account fen taken from the personal account
	KindVoid    = "void"    // reverses a charge of the same terminal and day
	KindQuote   = "quote"   // a decision shown at quote time; not a sale
	KindRefusal = "refusal" // a charge attempt refused (unconfirmed code, card gone, ...)
)

// Record is one journal record: every decision and charge a terminal makes.
// Its canonical JSON form is the Entry body that the hash chain covers.
type Record struct {
	Terminal       string           `json:"terminal"`
	Seq            uint64           `json:"seq"`
	PrevHash       string           `json:"prev_hash"` // hex SHA-256 of the previous entry's body; "" for seq 1
	Kind           string           `json:"kind"`
	TxnID          string           `json:"txn_id,omitempty"`
	At             time.Time        `json:"at"`
	CardNo         string           `json:"card_no,omitempty"`
	Cashier        string           `json:"cashier,omitempty"`
	QuoteID        string           `json:"quote_id,omitempty"`
	IdempotencyKey string           `json:"idempotency_key,omitempty"`
	RulesVersion   int64            `json:"rules_version"`
	Offline        bool             `json:"offline,omitempty"` // decided while the centre was unreachable
	Total          int64            `json:"total"`
	Account        int64            `json:"account"` // fen from the personal account (voids: fen refunded)
	Cash           int64            `json:"cash"`
	Lines          []Line           `json:"lines,omitempty"`
	Reasons        []policy.Reason  `json:"reasons,omitempty"`
	Confirmed      []policy.Code    `json:"confirmed,omitempty"`
	Note           string           `json:"note,omitempty"`
	Reverses       string           `json:"reverses,omitempty"` // voids: the txn_id voided
	Error          string           `json:"error,omitempty"`    // refusals: why
	Extra          map[string]int64 `json:"extra,omitempty"`    // e.g. balance seen at quote time
	// CardRead is how the card was presented and what was read from it
	// (SPEC §10): evidence the centre compares with its master data.
	CardRead *CardRead `json:"card_read,omitempty"`
	// CardProof is the card's answer to the charge's challenge: present
	// on every charge an IC card pays from the account (SPEC §10).
	CardProof *cardproof.Proof `json:"card_proof,omitempty"`
}

// CardRead is the card-read evidence on a record.
type CardRead struct {
	Source   string `json:"source"`              // "frame", "track2" or "voucher"
	ICC      string `json:"icc,omitempty"`       // card identification code (32 hex)
	ATR      string `json:"atr,omitempty"`       // the chip's answer to reset
	PersonID string `json:"person_id,omitempty"` // resident id as read from the card
	Name     string `json:"name,omitempty"`      // name as read from the card
	Port     string `json:"port,omitempty"`      // the reader's serial port
	// Voucher is the e-voucher token the centre redeemed for this card at
	// this terminal (source "voucher"): the sale's proof of presence.
	Voucher string `json:"voucher,omitempty"`
}

// Sale is the part of a charge its card proof's challenge covers.
func (r Record) Sale() cardproof.Sale {
	return cardproof.Sale{Terminal: r.Terminal, Seq: r.Seq, CardNo: r.CardNo, Account: r.Account, Total: r.Total, At: r.At}
}

// Line is one cart line as charged.
type Line struct {
	Code      string          `json:"code"`
	Barcode   string          `json:"barcode,omitempty"`
	Qty       int64           `json:"qty"`
	UnitPrice int64           `json:"unit_price"`
	RxID      string          `json:"rx_id,omitempty"`
	Amount    int64           `json:"amount"`
	Account   int64           `json:"account"`
	Cash      int64           `json:"cash"`
	Days      int64           `json:"days,omitempty"` // millidays of supply
	Reasons   []policy.Reason `json:"reasons,omitempty"`
}

// Entry is a sealed record as stored in the journal and sent to the centre.
// Hash is the hex SHA-256 of Body; Body is the record's JSON, which carries
// the previous entry's hash, so the entries form a chain.
type Entry struct {
	Seq  uint64          `json:"seq"`
	Hash string          `json:"hash"`
	Body json.RawMessage `json:"body"`
}

// ErrHashMismatch means an entry's body does not hash to its Hash.
var ErrHashMismatch = errors.New("entry hash does not match its body")

// Seal encodes rec as an entry. The caller sets Seq and PrevHash first.
func Seal(rec Record) (Entry, error) {
	body, err := json.Marshal(rec)
	if err != nil {
		return Entry{}, fmt.Errorf("seal record %d: %w", rec.Seq, err)
	}
	return Entry{Seq: rec.Seq, Hash: HashBody(body), Body: body}, nil
}

// HashBody returns the hex SHA-256 of an entry body.
func HashBody(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// Open checks the entry's hash and decodes its record. A hash mismatch is
// reported as ErrHashMismatch (the record is still decoded when possible, so
// a supervisor can see what it claims).
func Open(e Entry) (Record, error) {
	var rec Record
	decErr := json.Unmarshal(e.Body, &rec)
	if HashBody(e.Body) != e.Hash {
		return rec, fmt.Errorf("entry %d: %w", e.Seq, ErrHashMismatch)
	}
	if decErr != nil {
		return rec, fmt.Errorf("entry %d: decode body: %w", e.Seq, decErr)
	}
	if rec.Seq != e.Seq {
		return rec, fmt.Errorf("entry %d: body says seq %d", e.Seq, rec.Seq)
	}
	return rec, nil
}

// Purchase turns a charge record into the history item policy uses.
func (r Record) Purchase(pharmacy string) policy.Purchase {
	p := policy.Purchase{
		TxnID: r.TxnID, At: r.At, Pharmacy: pharmacy, Terminal: r.Terminal,
		Total: r.Total, Account: r.Account,
	}
	for _, l := range r.Lines {
		p.Items = append(p.Items, policy.PurchaseItem{Code: l.Code, Qty: l.Qty, Days: l.Days})
	}
	return p
}
