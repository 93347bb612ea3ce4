package policy

import (
	"errors"
	"strings"
	"time"
)

// checkCard adds the transaction-level card reasons: invalid data, unknown
// account, the account's status or blocklisting, a resident id that is not
// the account's, expired card. An account without personal account makes
// the sale cash only.
func (e *evaluation) checkCard() {
	c := e.in.Card
	if c.Problem != "" {
		e.addTxn(CardInvalid, evStr("card_no", c.CardNo), evStr("problem", c.Problem))
	}
	h := e.in.Holder
	switch {
	case h == nil && e.provenOffline():
		// A card that proves itself offline, its account not known here:
		// the offline limits bound it and the centre judges it on arrival
		// (SPEC §10).
	case h == nil:
		e.addTxn(CardUnknown, evStr("card_no", c.CardNo))
	case h.Blocked:
		e.addTxn(CardBlocked, evStr("card_no", c.CardNo), evStr("status", h.Status), evBool("blocked", true))
	case h.Status == StatusActive:
	case h.Status == StatusWaiting:
		e.addTxn(CardWaitingPeriod, evStr("card_no", c.CardNo), evStr("status", h.Status))
	case h.Status == StatusNoAccount:
		e.addTxn(NoPersonalAccount, evStr("card_no", c.CardNo), evStr("status", h.Status))
		e.cashOnly = true
	default:
		e.addTxn(CardBlocked, evStr("card_no", c.CardNo), evStr("status", h.Status), evBool("blocked", false))
	}
	if h != nil {
		e.checkIdentity(h)
	}
	if !c.Expiry.IsZero() && localDate(e.in.Now) > localDate(c.Expiry) {
		e.addTxn(CardExpired, evStr("card_no", c.CardNo), evDate("expiry", c.Expiry), evDate("today", e.in.Now))
	}
}

// checkIdentity adds ID_MISMATCH when the resident id read from the card is
// not the account's: compared here when both are known, or as the centre
// found it (Holder.IDMismatch). The evidence shows the ids masked.
func (e *evaluation) checkIdentity(h *Holder) {
	card, account := normalID(e.in.Card.PersonID), normalID(h.PersonID)
	differ := card != "" && account != "" && card != account
	if !differ && !h.IDMismatch {
		return
	}
	e.addTxn(IDMismatch, evStr("card_no", e.in.Card.CardNo),
		evStr("card_person_id", maskID(card)), evStr("account_person_id", maskID(account)))
}

// normalID trims a resident id and upper-cases its check character.
func normalID(id string) string {
	id = strings.TrimSpace(id)
	if n := len(id); n > 0 && id[n-1] == 'x' {
		id = id[:n-1] + "X"
	}
	return id
}

// maskID keeps a resident id's region (6) and last 4 characters, as
// receipts print it: 110105********0013.
func maskID(id string) string {
	if len(id) <= 10 {
		return strings.Repeat("*", len(id))
	}
	return id[:6] + strings.Repeat("*", len(id)-10) + id[len(id)-4:]
}

// provenOffline reports whether the sale is offline with an IC card that
// proves its presence (or a voucher, which cannot be redeemed offline).
func (e *evaluation) provenOffline() bool {
	c := e.in.Card
	return e.in.Offline && c.Source == SourceFrame && c.Proven
}

// unproven reports whether the card's presence is not proven for this
// sale: a track-2 swipe, or a card or voucher without proof. A card whose
// source is not said is not judged.
func (e *evaluation) unproven() bool {
	c := e.in.Card
	return c.Source == SourceTrack2 || (c.Source != "" && !c.Proven)
}

// limitProof limits account payment without proof of presence to
// track2_account_limit per transaction; the rest goes to cash, whatever
// the severity of CARD_PROOF_MISSING (which is then raised). It is not
// raised when the card is already refused or nothing is paid from the
// account.
func (e *evaluation) limitProof() {
	if !e.unproven() || e.hasTxnBlock() {
		return
	}
	want := e.accountTotal()
	if want <= 0 {
		return
	}
	limit := max(e.rules.Track2AccountLimit, 0)
	allowed := min(want, limit)
	e.toCash(want - allowed)
	e.addTxn(CardProofMissing, evStr("source", e.in.Card.Source), evBool("proven", e.in.Card.Proven),
		evInt("limit", limit), evInt("wanted", want), evInt("allowed", allowed), evInt("moved_to_cash", want-allowed))
}

// ParsePersonID reads the sex and birth date from an 18-character resident
// id (GB 11643): digits 7–14 are the birth date, digit 17 is odd for a man,
// the last character is the ISO 7064 MOD 11-2 check character (0–9 or X).
// The birth date is midnight UTC.
func ParsePersonID(id string) (sex string, birth time.Time, err error) {
	if len(id) != 18 {
		return "", time.Time{}, errors.New("resident id: not 18 characters")
	}
	if !allDigits(id[:17]) {
		return "", time.Time{}, errors.New("resident id: not digits")
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(id[i]-'0') * w
	}
	check := id[17]
	if check == 'x' {
		check = 'X'
	}
	if check != "10X98765432"[sum%11] {
		return "", time.Time{}, errors.New("resident id: wrong check character")
	}
	y := atoi(id[6:10])
	m, d := atoi(id[10:12]), atoi(id[12:14])
	birth = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if y < 1850 || birth.Month() != time.Month(m) || birth.Day() != d {
		return "", time.Time{}, errors.New("resident id: not a birth date")
	}
	sex = "F"
	if (id[16]-'0')%2 == 1 {
		sex = "M"
	}
	return sex, birth, nil
}

func atoi(digits string) int {
	n := 0
	for i := 0; i < len(digits); i++ {
		n = n*10 + int(digits[i]-'0')
	}
	return n
}

// person is what the age and sex rules know of the buyer, and from where.
type person struct {
	sex, sexFrom string // "" when unknown; "card" or "account"
	birth        time.Time
	birthFrom    string
}

// resolvePerson takes sex and birth date from the card when it says, else
// from the card's resident id, else from the account (its fields, then
// its resident id). A track-2 swipe carries neither.
func resolvePerson(c Card, h *Holder) person {
	p := person{sex: c.Sex, birth: c.Birth}
	if p.sex != "" {
		p.sexFrom = "card"
	}
	if !p.birth.IsZero() {
		p.birthFrom = "card"
	}
	if p.sex != "" && !p.birth.IsZero() {
		return p
	}
	p.fill(c.PersonID, "card")
	if h != nil {
		p.fillFrom(h.Sex, h.Birth, "account")
		p.fill(h.PersonID, "account")
	}
	return p
}

// fill takes what is still unknown from a resident id.
func (p *person) fill(id, from string) {
	if id == "" || (p.sex != "" && !p.birth.IsZero()) {
		return
	}
	if sex, birth, err := ParsePersonID(id); err == nil {
		p.fillFrom(sex, birth, from)
	}
}

// fillFrom takes what is still unknown from sex and birth.
func (p *person) fillFrom(sex string, birth time.Time, from string) {
	if p.sex == "" && (sex == "M" || sex == "F") {
		p.sex, p.sexFrom = sex, from
	}
	if p.birth.IsZero() && !birth.IsZero() {
		p.birth, p.birthFrom = birth, from
	}
}
