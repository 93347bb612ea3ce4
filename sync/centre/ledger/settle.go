package ledger

import (
	"fmt"
	"math"

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
}

// Settle applies rec's money to the card's account h (nil when the centre
// has no account for the card), changing h.Balance in place:
//
//   - a charge takes rec.Account; it is applied even when that leaves the
//     balance below zero (flag OVERDRAFT) or the account is not active or
//     is on the blocklist (flag BLOCKED_AT_SYNC): the money was handed over
//     at the counter, supervisors review it, nothing is dropped;
//   - a void gives rec.Account back, whatever the account's state;
//   - a charge or void of a card with no account changes nothing and is
//     flagged BLOCKED_AT_SYNC, with BalanceAfter 0;
//   - a record that moves no account money (quotes, refusals, all-cash
//     charges) is never flagged here.
//
// The error means the arithmetic would overflow int64; the caller refuses
// the entry (it wraps ErrRefused).
func Settle(rec wire.Record, h *policy.Holder) (Effect, error) {
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
		return Effect{Flags: []string{wire.FlagBlockedAtSync}}, nil
	}
	delta := rec.Account
	if rec.Kind == wire.KindCharge {
		delta = -rec.Account
	}
	after, ok := add(h.Balance, delta)
	if !ok {
		return Effect{}, fmt.Errorf("%s %s: balance %d %+d overflows: %w",
			rec.Kind, rec.TxnID, h.Balance, delta, ErrRefused)
	}
	h.Balance = after
	eff := Effect{Delta: delta, BalanceAfter: after}
	if rec.Kind == wire.KindCharge && rec.Account > 0 {
		if after < 0 {
			eff.Flags = append(eff.Flags, wire.FlagOverdraft)
		}
		if h.Status != StatusActive || h.Blocked {
			eff.Flags = append(eff.Flags, wire.FlagBlockedAtSync)
		}
	}
	return eff, nil
}

// VoidTarget is what the centre holds of the charge a void reverses.
type VoidTarget struct {
	Found   bool   // a charge with that txn_id from the same terminal is stored
	CardNo  string // its card
	Account int64  // what it took from the account
	Voided  bool   // a void of it has already refunded it
}

// CheckVoid says whether a void may refund its charge: "" when it may,
// otherwise the flag it gets instead. A void refunds only a charge of its
// own terminal, on the same card, for the same amount, and only once.
func CheckVoid(rec wire.Record, t VoidTarget) string {
	switch {
	case !t.Found || t.CardNo != rec.CardNo || t.Account != rec.Account:
		return wire.FlagVoidUnmatched
	case t.Voided:
		return wire.FlagVoidRepeated
	}
	return ""
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
