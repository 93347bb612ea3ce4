package ledger

import (
	"math"
	"slices"
	"time"

	"posagent/policy"
	"posagent/sync/wire"
)

// JudgeInput is everything the centre knows when it re-judges one new
// charge or void (SPEC §9). The store fills it inside its apply
// transaction; Judge reads nothing else.
type JudgeInput struct {
	Record   wire.Record
	Pharmacy string    // the terminal's pharmacy, as enrolled at the centre
	Received time.Time // when the centre received the batch
	Zone     *time.Location
	// Policy says whether the record is re-judged against its rules
	// version at all. A store applying without a bundle source (tests of
	// the chain alone) leaves it false: only the record's own checks run.
	Policy bool
	// Bundle is the published bundle the record names; nil when that
	// version was never published (UNKNOWN_RULES_VERSION).
	Bundle *policy.Bundle
	// Holder is the card's account at the centre before this record; nil
	// when the centre has none.
	Holder *policy.Holder
	// History is the card's charges at every pharmacy the centre already
	// applied, not voided, held ones left out (a held charge does not count
	// against the patient), oldest first: those before the record, and
	// those of the record's local day dated at or after it, which Judge
	// counts as made just before it (the centre saw them first).
	History []policy.Purchase
	// SeenTxn is true when the terminal already sent a charge or void with
	// this txn_id.
	SeenTxn bool
	// StaleAfterH is the staleness window for offline records, hours
	// (0: DefaultStaleness).
	StaleAfterH int64
	// Presence is the charge's card proof as CheckPresence found it; the
	// zero value (the centre has no issuer key) judges no presence.
	Presence Presence
	// CounterUsed is true when another record the centre applied already
	// used the (card, counter) of the charge's verified proof.
	CounterUsed bool
}

// Judgement is the centre's verdict on one record.
type Judgement struct {
	Findings []Finding
	// Allowed is what the centre's own decision allows from the account
	// before the balance is considered; math.MaxInt64 when the rules were
	// not run.
	Allowed int64
	// VoidHeld is, for a void that may refund its charge, the part of the
	// charge still held: the void releases it instead of refunding it.
	// The store sets it from the charge (VoidTarget.Held).
	VoidHeld int64
}

// Codes lists the findings' codes.
func (j Judgement) Codes() []string {
	out := make([]string, 0, len(j.Findings))
	for _, f := range j.Findings {
		out = append(out, f.Code)
	}
	return out
}

// Judge re-judges a record on its own (its sums, its dates, its txn_id
// and, when the centre has an issuer key, its card's proof of presence)
// and, for a charge with Policy set, against its bundle, the centre's
// account and the card's whole history; the rules then see how the card
// was presented and whether its presence is proven (a track-2 swipe
// never is: track2_account_limit applies). It is pure: the same input
// gives the same judgement.
func Judge(in JudgeInput) Judgement {
	j := Judgement{Allowed: math.MaxInt64}
	rec := in.Record
	if f := CheckArithmetic(rec); f != nil {
		j.Findings = append(j.Findings, *f)
	}
	if f := CheckDated(rec.At, in.Received, in.StaleAfterH); f != nil {
		j.Findings = append(j.Findings, *f)
	}
	if in.SeenTxn {
		j.Findings = append(j.Findings, Finding{Code: CodeDuplicateTxn, Detail: "txn_id already used by this terminal: " + rec.TxnID})
	}
	if f := presenceFinding(rec, in.Presence, in.CounterUsed); f != nil {
		j.Findings = append(j.Findings, *f)
		// That finding holds it all; the rules then judge the rest of the
		// sale, not its presence again (no POLICY_MISMATCH for it alone).
		in.Presence = Presence{}
	}
	if f := cardDataFinding(rec, in.Holder); f != nil {
		j.Findings = append(j.Findings, *f)
	}
	if !in.Policy || rec.Kind != wire.KindCharge {
		return j
	}
	if in.Bundle == nil || in.Bundle.Version != rec.RulesVersion {
		j.Findings = append(j.Findings, Finding{Code: CodeUnknownRulesVersion,
			Evidence: map[string]int64{"rules_version": rec.RulesVersion}, Detail: "rules version never published"})
		j.Allowed = 0
		return j
	}
	if in.Bundle.IssuedAt.After(rec.At.Add(DefaultSkew)) { // no terminal could have had it yet
		j.Findings = append(j.Findings, Finding{Code: CodeUnknownRulesVersion,
			Evidence: map[string]int64{"rules_version": rec.RulesVersion, "issued_unix": in.Bundle.IssuedAt.Unix(), "at_unix": rec.At.Unix()},
			Detail:   "rules version published after the sale"})
		j.Allowed = 0
		return j
	}
	history := seenBefore(in.History, rec.At)
	full := allowed(in, history)
	j.Allowed = full
	if rec.Account <= full {
		return j
	}
	ev := map[string]int64{"account": rec.Account, "allowed": full}
	if rec.Offline {
		var own []policy.Purchase
		for _, p := range history {
			if p.Terminal == rec.Terminal {
				own = append(own, p)
			}
		}
		if seen := allowed(in, own); rec.Account <= seen {
			ev["allowed_seen"] = seen
			j.Findings = append(j.Findings, Finding{Code: CodeOfflinePartialHistory, Evidence: ev,
				Detail: "offline sale allowed on what the terminal could see, not on the card's whole history"})
			return j
		}
	}
	j.Findings = append(j.Findings, Finding{Code: CodePolicyMismatch, Evidence: ev,
		Detail: "the centre's decision allows less from the account"})
	return j
}

// seenBefore dates the purchases at or after at just before it, keeping
// their order, so the rules count them as earlier purchases of the day.
func seenBefore(h []policy.Purchase, at time.Time) []policy.Purchase {
	i := slices.IndexFunc(h, func(p policy.Purchase) bool { return !p.At.Before(at) })
	if i < 0 {
		return h
	}
	out := slices.Clone(h)
	for k := i; k < len(out); k++ {
		out[k].At = at.Add(-time.Duration(len(out)-k) * time.Nanosecond)
	}
	return out
}

// allowed runs the rules over the record's lines with a history and
// returns the account fen they allow. The holder is judged as active,
// unblocked and with an unlimited balance: blocks and overdrafts have
// their own flags (BLOCKED_AT_SYNC, OVERDRAFT). A transaction-level block
// or a confirm code the record does not carry allows nothing.
func allowed(in JudgeInput, history []policy.Purchase) int64 {
	rec := in.Record
	d := evaluate(in, history)
	for _, r := range d.Reasons {
		if r.Severity == policy.Block {
			return 0
		}
	}
	for _, c := range d.Required {
		if !slices.Contains(rec.Confirmed, c) {
			return 0
		}
	}
	return d.AccountTotal
}

// evaluate runs the rules over the record's lines with a history, the
// holder judged as allowed describes.
func evaluate(in JudgeInput, history []policy.Purchase) policy.Decision {
	rec := in.Record
	var h *policy.Holder
	if in.Holder != nil {
		c := *in.Holder
		c.Status, c.Blocked, c.Balance = policy.StatusActive, false, math.MaxInt64/4
		h = &c
	}
	lines := make([]policy.Line, len(rec.Lines))
	for i, l := range rec.Lines {
		lines[i] = policy.Line{Code: l.Code, Barcode: l.Barcode, Qty: l.Qty, UnitPrice: l.UnitPrice, RxID: l.RxID}
	}
	zone := in.Zone
	if zone == nil {
		zone = time.UTC
	}
	return policy.Evaluate(in.Bundle, policy.Input{
		Now: rec.At.In(zone), Terminal: rec.Terminal, Pharmacy: in.Pharmacy,
		Card: in.Presence.policyCard(rec, in.CounterUsed), Holder: h, Lines: lines,
		History: policy.History{Purchases: history},
	})
}
