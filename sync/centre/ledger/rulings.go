package ledger

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// States of a charge's hold, as the store keeps them (store.Txn.Hold).
const (
	HoldHeld          = "held"           // awaiting a ruling
	HoldDeferred      = "deferred"       // 缓付: still held, awaiting a later ruling
	HoldRefusePending = "refuse_pending" // a refusal above the second-review amount awaiting a second supervisor
	HoldAccepted      = "accepted"       // taken from the account, payable
	HoldRefused       = "refused"        // 拒付: never taken, never payable
	HoldVoided        = "voided"         // the charge was voided before a final ruling
)

// Rulings a supervisor may ask for (SPEC §11).
const (
	RulingAccept  = "accept"  // the held part is taken from the account and becomes payable
	RulingRefuse  = "refuse"  // 拒付: never payable; the account is not charged
	RulingDefer   = "defer"   // 缓付: stays held until a later ruling
	RulingConfirm = "confirm" // a second supervisor confirms a pending refusal
)

// MaxNoteRunes bounds a ruling's note.
const MaxNoteRunes = 500

// Errors of RuleOn. Callers match them with errors.Is.
var (
	// ErrNoHold: the record has nothing held awaiting a ruling (never
	// held, or accepted, refused or voided already).
	ErrNoHold = errors.New("nothing held awaiting a ruling")
	// ErrOwnRuling: a supervisor tried to confirm (or otherwise rule on) a
	// refusal they made themselves; it needs someone else.
	ErrOwnRuling = errors.New("a refusal awaiting a second supervisor cannot be ruled on by the supervisor who made it")
	// ErrNotPending: confirm on a hold with no refusal awaiting
	// confirmation, or refuse on one that already has.
	ErrNotPending = errors.New("no refusal awaiting confirmation")
	// ErrBadRuling: the request itself is wrong (unknown action, no
	// supervisor, a missing, too long or invalid note).
	ErrBadRuling = errors.New("bad ruling")
)

// HoldAwaiting reports whether a hold state still awaits a (final)
// ruling: its money is held, not taken, not payable.
func HoldAwaiting(hold string) bool {
	return hold == HoldHeld || hold == HoldDeferred || hold == HoldRefusePending
}

// RulingCase is what the decision reads of a record and a request.
type RulingCase struct {
	Hold      string // the record's hold state now
	Held      int64  // its held fen
	PendingBy string // who made the pending refusal, when Hold is HoldRefusePending
	Action    string // RulingAccept, RulingRefuse, RulingDefer or RulingConfirm
	By        string // the supervisor asking
	Note      string // required for refuse and defer
	// SecondReview is the rules' second_review_amount (fen): a refusal of
	// more than this needs a second supervisor's confirmation.
	SecondReview int64
}

// RulingOutcome is what a ruling does.
type RulingOutcome struct {
	Hold string // the hold state afterwards
	// Take says the held fen are taken from the account now (Rule with
	// accept): only an accept does.
	Take bool
}

// RuleOn is the one decision both stores make on a ruling (SPEC §11):
//
//   - only a hold that awaits a ruling ("held", "deferred",
//     "refuse_pending") may be ruled on; any other wraps ErrNoHold;
//   - accept → "accepted", the held fen are taken (Take);
//   - defer → "deferred", nothing moves;
//   - refuse → "refused" when Held ≤ SecondReview, otherwise
//     "refuse_pending": still held until a second supervisor confirms;
//   - confirm → "refused", only on "refuse_pending" (else ErrNotPending);
//   - on "refuse_pending" only another supervisor than its author may
//     rule (confirm, or overrule with accept or defer; ErrOwnRuling for
//     the author), and refuse is ErrNotPending (confirm it instead);
//   - refuse and defer need a note of at most MaxNoteRunes runes of valid
//     UTF-8 without NUL; a note is optional otherwise but bounded the same
//     (ErrBadRuling).
//
// Pure.
func RuleOn(c RulingCase) (RulingOutcome, error) {
	if err := checkAsk(c); err != nil {
		return RulingOutcome{}, err
	}
	if !HoldAwaiting(c.Hold) {
		return RulingOutcome{}, ErrNoHold
	}
	if c.Hold == HoldRefusePending && c.By == c.PendingBy {
		return RulingOutcome{}, ErrOwnRuling
	}
	switch c.Action {
	case RulingAccept:
		return RulingOutcome{Hold: HoldAccepted, Take: true}, nil
	case RulingDefer:
		return RulingOutcome{Hold: HoldDeferred}, nil
	case RulingConfirm:
		if c.Hold != HoldRefusePending {
			return RulingOutcome{}, ErrNotPending
		}
		return RulingOutcome{Hold: HoldRefused}, nil
	default: // RulingRefuse
		if c.Hold == HoldRefusePending {
			return RulingOutcome{}, fmt.Errorf("refuse: a refusal already awaits confirmation: %w", ErrNotPending)
		}
		if c.Held > max(c.SecondReview, 0) {
			return RulingOutcome{Hold: HoldRefusePending}, nil
		}
		return RulingOutcome{Hold: HoldRefused}, nil
	}
}

// checkAsk checks the request apart from the record.
func checkAsk(c RulingCase) error {
	switch c.Action {
	case RulingAccept, RulingRefuse, RulingDefer, RulingConfirm:
	default:
		return fmt.Errorf("ruling %q: want accept, refuse, defer or confirm: %w", c.Action, ErrBadRuling)
	}
	if strings.TrimSpace(c.By) == "" || !utf8.ValidString(c.By) || strings.IndexByte(c.By, 0) >= 0 {
		return fmt.Errorf("ruling: no supervisor: %w", ErrBadRuling)
	}
	if !utf8.ValidString(c.Note) || strings.IndexByte(c.Note, 0) >= 0 {
		return fmt.Errorf("ruling: note is not valid UTF-8 text: %w", ErrBadRuling)
	}
	if n := utf8.RuneCountInString(c.Note); n > MaxNoteRunes {
		return fmt.Errorf("ruling: note of %d characters, at most %d: %w", n, MaxNoteRunes, ErrBadRuling)
	}
	if (c.Action == RulingRefuse || c.Action == RulingDefer) && strings.TrimSpace(c.Note) == "" {
		return fmt.Errorf("ruling %s: a note is required: %w", c.Action, ErrNoteRequired)
	}
	return nil
}

// ErrNoteRequired: refuse or defer without a note. It wraps ErrBadRuling.
var ErrNoteRequired = fmt.Errorf("note required: %w", ErrBadRuling)
