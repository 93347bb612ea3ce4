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

// RepeatedVoid is the effect of a void whose transaction was voided
// before: the record is kept and flagged, and no money moves (a charge is
// refunded once). h is the card's account, nil when the centre has none.
func RepeatedVoid(h *policy.Holder) Effect {
	eff := Effect{Flags: []string{wire.FlagVoidRepeated}}
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
