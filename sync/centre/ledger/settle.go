package ledger

import (
	"fmt"
	"math"
	"time"

	"posagent/policy"
	"posagent/sync/wire"
)

// StatusActive is the only account status that may be charged without a
// flag.
const StatusActive = "active"

// Moves reports whether records of a kind move money: charges and voids do;
// quotes, refusals and kinds this centre does not know do not.
func Moves(kind string) bool {
	return kind == wire.KindCharge || kind == wire.KindVoid
}

// Effect is what one record does to a personal account.
type Effect struct {
	Delta        int64    // change to the balance actually made
	BalanceAfter int64    // the balance afterwards; 0 when there is no account
	Flags        []string // OVERDRAFT, BLOCKED_AT_SYNC
	// Held is the part of a charge's account amount the centre does not
	// allow (SPEC §9): not taken from the account, not payable, until a
	// supervisor rules (Rule).
	Held int64
}

// Settle applies rec's money to the card's account h (nil when the centre
// has no account for the card), changing h.Balance in place, after the
// centre's judgement j of the record (Judge):
//
//   - a charge takes the part of rec.Account the centre allows; the rest
//     is held (HeldAmount): all of it for a bad record, an unknown rules
//     version, a repeated txn_id, a missing, invalid or replayed card
//     proof (CARD_PROOF_*, CARD_COUNTER_REPLAY) or a card that is not
//     active or is blocked (flag BLOCKED_AT_SYNC); the excess over what the rules allow
//     (POLICY_MISMATCH, OFFLINE_PARTIAL_HISTORY); and the excess over the
//     balance (flag OVERDRAFT), so the balance never goes below zero;
//   - a void gives back what its charge took: rec.Account less the
//     charge's hold (j.VoidHeld), which lapses with the void;
//   - a charge of a card with no account is held whole and flagged
//     BLOCKED_AT_SYNC; a void of one changes nothing, flagged the same;
//   - a record that moves no account money (quotes, refusals, all-cash
//     charges) is never flagged here.
//
// A balance that would overflow int64 is refused (ErrRefused).
func Settle(rec wire.Record, h *policy.Holder, j Judgement) (Effect, error) {
	if !Moves(rec.Kind) {
		if h != nil {
			return Effect{BalanceAfter: h.Balance}, nil
		}
		return Effect{}, nil
	}
	if h == nil {
		if rec.Account == 0 {
			return Effect{}, nil
		}
		eff := Effect{Flags: []string{wire.FlagBlockedAtSync}}
		if rec.Kind == wire.KindCharge {
			eff.Held = rec.Account
		}
		return eff, nil
	}
	var eff Effect
	delta := rec.Account - min(max(j.VoidHeld, 0), rec.Account)
	if rec.Kind == wire.KindCharge {
		codes := j.Codes()
		if rec.Account > 0 && (h.Status != StatusActive || h.Blocked) {
			eff.Flags = append(eff.Flags, wire.FlagBlockedAtSync)
			codes = append(codes, wire.FlagBlockedAtSync)
		}
		eff.Held = HeldAmount(rec.Account, h.Balance, j.Allowed, codes)
		if rec.Account-eff.Held > max(h.Balance, 0) {
			eff.Flags = append(eff.Flags, wire.FlagOverdraft)
			eff.Held = HeldAmount(rec.Account, h.Balance, j.Allowed, append(codes, wire.FlagOverdraft))
		}
		delta = -(rec.Account - eff.Held)
	}
	after, ok := add(h.Balance, delta)
	if !ok {
		return Effect{}, fmt.Errorf("%s %s: balance %d %+d overflows: %w",
			rec.Kind, rec.TxnID, h.Balance, delta, ErrRefused)
	}
	h.Balance = after
	eff.Delta, eff.BalanceAfter = delta, after
	return eff, nil
}

// Rule is a supervisor's ruling on a charge's hold: accepted, the held fen
// are taken from the account now (even below zero: the supervisor saw
// the evidence); refused (拒付), nothing moves and the hold is dropped. It
// changes h.Balance in place and returns the change; a charge with no
// account moves nothing.
func Rule(held int64, h *policy.Holder, accept bool) (int64, error) {
	if !accept || h == nil || held <= 0 {
		return 0, nil
	}
	after, ok := add(h.Balance, -held)
	if !ok {
		return 0, fmt.Errorf("ruling: balance %d -%d overflows: %w", h.Balance, held, ErrRefused)
	}
	h.Balance = after
	return -held, nil
}

// VoidTarget is what the centre holds of the charge a void reverses.
type VoidTarget struct {
	Found   bool      // a charge with that txn_id from the same terminal is stored
	CardNo  string    // its card
	Account int64     // what its record says it took from the account
	Held    int64     // the part of it still held (not taken)
	At      time.Time // its time; zero when not known (stored before it was kept)
	Seq     uint64    // its seq; 0 when not known
	Voided  bool      // a void of it has already refunded it
}

// CheckVoid says whether a void may refund its charge: "" when it may,
// otherwise the flag it gets instead. A void refunds only a charge of its
// own terminal, on the same card, for the same amount, of the same local
// day in zone (nil: UTC), and only once.
func CheckVoid(rec wire.Record, t VoidTarget, zone *time.Location) string {
	switch {
	case !t.Found || t.CardNo != rec.CardNo || t.Account != rec.Account:
		return wire.FlagVoidUnmatched
	case !t.At.IsZero() && !sameDay(t.At, rec.At, zone):
		return wire.FlagVoidUnmatched
	case t.Voided:
		return wire.FlagVoidRepeated
	}
	return ""
}

// sameDay reports whether a and b fall on one calendar day in zone.
func sameDay(a, b time.Time, zone *time.Location) bool {
	if zone == nil {
		zone = time.UTC
	}
	ay, am, ad := a.In(zone).Date()
	by, bm, bd := b.In(zone).Date()
	return ay == by && am == bm && ad == bd
}

// NoRefund is the effect of a void that may not refund (see CheckVoid):
// the record is kept with the flag and no money moves. h is the card's
// account, nil when the centre has none.
func NoRefund(h *policy.Holder, flag string) Effect {
	eff := Effect{Flags: []string{flag}}
	if h != nil {
		eff.BalanceAfter = h.Balance
	}
	return eff
}

// add returns a+b and whether it fits in an int64.
func add(a, b int64) (int64, bool) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, false
	}
	return a + b, true
}
