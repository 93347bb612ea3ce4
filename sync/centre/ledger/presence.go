package ledger

import (
	"errors"
	"math"
	"strings"

	"posagent/internal/cardproof"
	"posagent/policy"
	"posagent/sync/wire"
)

// Codes of the card's proof of presence (SPEC §10). Each holds all of the
// charge's account money.
const (
	// CodeCardProofMissing: an IC-card charge paid from the account
	// without the card's proof (a record that does not say how the card
	// was presented counts as an IC card).
	CodeCardProofMissing = "CARD_PROOF_MISSING"
	// CodeCardProofInvalid: the proof does not verify: it signs another
	// sale, its cryptogram is not the card's, or it is malformed.
	CodeCardProofInvalid = "CARD_PROOF_INVALID"
	// CodeCardCounterReplay: the proof verifies, but another record the
	// centre applied already used the card's counter.
	CodeCardCounterReplay = "CARD_COUNTER_REPLAY"
	// CodeCardDataMismatch: the resident id or name the record says was
	// read from the card is not the account's.
	CodeCardDataMismatch = "CARD_DATA_MISMATCH"
)

// Presence is what the centre makes of a charge's card proof, before it
// knows whether the counter was used (CheckPresence). The zero value is
// "presence not judged": the centre has no issuer key.
type Presence struct {
	// Judged is true when the centre has an issuer key and the record is
	// a charge; the other fields are set only then.
	Judged bool
	// Source is how the record says the card was presented; "" when it
	// carries no card-read evidence.
	Source policy.CardSource
	// HasProof: the record carries a card proof.
	HasProof bool
	// Counter is the proof's card transaction counter.
	Counter uint64
	// Err is cardproof.Verify's answer for the proof; nil when it
	// verified (or there is none).
	Err error
	// Voucher is the e-voucher token the record names (source voucher).
	// The store checks it against its redemption (NeedsVoucherCheck) and
	// sets VoucherChecked, with VoucherFault "" when it proves the sale,
	// else one of the VoucherFault values.
	Voucher        string
	VoucherChecked bool
	VoucherFault   string
}

// Why an e-voucher does not prove a sale (Presence.VoucherFault).
const (
	VoucherUnknown  = "voucher_unknown"  // never issued
	VoucherUnproven = "voucher_unproven" // not redeemed, or by another terminal, or for another card
	VoucherUsed     = "voucher_used"     // another record already used it
)

// CheckPresence verifies a charge's card proof with the region's issuer
// key (nil: presence is not judged, zero Presence). It is pure; whether
// the proof's counter was used already is the store's to find out.
func CheckPresence(rec wire.Record, issuer cardproof.IssuerKey) Presence {
	if issuer == nil || rec.Kind != wire.KindCharge {
		return Presence{}
	}
	p := Presence{Judged: true}
	if rec.CardRead != nil {
		p.Source = policy.CardSource(rec.CardRead.Source)
		if p.Source == policy.SourceVoucher {
			p.Voucher = rec.CardRead.Voucher
		}
	}
	if rec.CardProof != nil {
		p.HasProof, p.Counter = true, rec.CardProof.Counter
		p.Err = cardproof.Verify(cardproof.Default, issuer, rec.Sale(), *rec.CardProof)
	}
	return p
}

// Verified reports whether the record's card proof verified: its (card,
// counter) is then used, and must not have been before.
func (p Presence) Verified() bool { return p.Judged && p.HasProof && p.Err == nil }

// NeedsVoucherCheck reports whether the store must check the record's
// e-voucher against its redemption: a charge paid from the account with
// one, while presence is judged.
func (p Presence) NeedsVoucherCheck(rec wire.Record) bool {
	return p.Judged && p.Source == policy.SourceVoucher && p.Voucher != "" && rec.Kind == wire.KindCharge && rec.Account > 0
}

// voucherProves reports whether the record's e-voucher proved the sale.
func (p Presence) voucherProves() bool {
	return p.Judged && p.Source == policy.SourceVoucher && p.VoucherChecked && p.VoucherFault == ""
}

// needsProof reports whether a charge presented this way must carry a
// proof to be paid from the account: an IC card's, or a record that does
// not say (or names a source this centre does not know). A track-2 swipe
// cannot prove presence: the rules limit it (track2_account_limit). A
// voucher's proof is its token (checked by the store).
func needsProof(s policy.CardSource) bool {
	return s != policy.SourceTrack2 && s != policy.SourceVoucher
}

// policyCard is the card the rules judge rec's charge with: its source and
// whether presence is proven (a proof that verified, on a counter not used
// before) when presence is judged; only the card number when it is not.
// A voucher is proven by a token this terminal redeemed for this card and
// no other record used.
func (p Presence) policyCard(rec wire.Record, counterUsed bool) policy.Card {
	c := policy.Card{CardNo: rec.CardNo}
	if p.Judged {
		c.Source, c.Proven = p.Source, (p.Verified() && !counterUsed) || p.voucherProves()
	}
	return c
}

// presenceFinding is the finding, if any, on a charge's presence:
// CARD_PROOF_INVALID for a proof that does not verify (whatever the
// source), CARD_COUNTER_REPLAY for one whose counter another record used
// (counterUsed, from the store), CARD_PROOF_MISSING for an IC-card
// charge without one. Charges paid wholly in cash are not flagged. Pure.
func presenceFinding(rec wire.Record, p Presence, counterUsed bool) *Finding {
	if !p.Judged || rec.Kind != wire.KindCharge || rec.Account <= 0 {
		return nil
	}
	ev := map[string]int64{"account": rec.Account}
	if p.HasProof {
		ev["counter"] = int64(min(p.Counter, math.MaxInt64))
	}
	switch {
	case p.HasProof && p.Err != nil:
		switch {
		case errors.Is(p.Err, cardproof.ErrOtherSale):
			ev["other_sale"] = 1
		case errors.Is(p.Err, cardproof.ErrCryptogram):
			ev["bad_cryptogram"] = 1
		default:
			ev["malformed"] = 1
		}
		return &Finding{Code: CodeCardProofInvalid, Evidence: ev, Detail: p.Err.Error()}
	case p.HasProof && counterUsed:
		return &Finding{Code: CodeCardCounterReplay, Evidence: ev,
			Detail: "the card's counter was already used by another record"}
	case !p.HasProof && needsProof(p.Source):
		return &Finding{Code: CodeCardProofMissing, Evidence: ev,
			Detail: "charge paid from the account without the card's proof of presence"}
	case p.Source == policy.SourceVoucher && p.Voucher == "":
		return &Finding{Code: CodeCardProofMissing, Evidence: ev,
			Detail: "e-voucher charge paid from the account without its token"}
	case p.Source == policy.SourceVoucher && p.VoucherChecked && p.VoucherFault != "":
		ev[p.VoucherFault] = 1
		return &Finding{Code: CodeCardProofInvalid, Evidence: ev,
			Detail: "the e-voucher does not prove this sale: " + p.VoucherFault}
	}
	return nil
}

// cardDataFinding compares the card-read evidence of a charge paid from
// the account with the centre's master data: CARD_DATA_MISMATCH when the
// resident id or the name read from the card is not the account's (each
// compared only when both are known; the id ignoring spaces and the case
// of its check character). Pure.
func cardDataFinding(rec wire.Record, h *policy.Holder) *Finding {
	if rec.Kind != wire.KindCharge || rec.Account <= 0 || rec.CardRead == nil || h == nil {
		return nil
	}
	ev := map[string]int64{"account": rec.Account}
	differ := func(read, master string, norm func(string) string) bool {
		a, b := norm(read), norm(master)
		return a != "" && b != "" && a != b
	}
	if differ(rec.CardRead.PersonID, h.PersonID, func(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }) {
		ev["person_id"] = 1
	}
	if differ(rec.CardRead.Name, h.Name, strings.TrimSpace) {
		ev["name"] = 1
	}
	if len(ev) == 1 {
		return nil
	}
	return &Finding{Code: CodeCardDataMismatch, Evidence: ev,
		Detail: "the resident id or name read from the card is not the account's"}
}
