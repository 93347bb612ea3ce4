package reader

import (
	"fmt"
	"time"

	"posagent/policy"
)

// Format is the wire format of a reader: FormatTrack2, FormatFrame or
// FormatScanner.
type Format string

// The reader formats of SPEC §4, and the QR scanner of SPEC §10.
const (
	FormatTrack2 Format = "track2"
	FormatFrame  Format = "frame"
	// FormatScanner is a QR code scanner: one line of printable ASCII per
	// scan, ended by CR and/or LF, emitted as EventScan without being
	// interpreted (an e-voucher's "EC1:" content is the agent's to parse).
	FormatScanner Format = "scanner"
)

// Validate returns an error wrapping ErrBadFormat unless f is a known format.
func (f Format) Validate() error {
	switch f {
	case FormatTrack2, FormatFrame, FormatScanner:
		return nil
	}
	return fmt.Errorf("%w %q (want %q, %q or %q)", ErrBadFormat, string(f), FormatTrack2, FormatFrame, FormatScanner)
}

// dateLayout is how Card carries dates: the POS API's YYYY-MM-DD.
const dateLayout = "2006-01-02"

// Card is one card as read, in the shape of the POS API's GET /v1/card.
// Dates are YYYY-MM-DD strings; empty when the format does not carry them
// (a track-2 swipe has no name, sex or birth date).
type Card struct {
	CardNo string    `json:"card_no"`
	Name   string    `json:"name"`
	Sex    string    `json:"sex"`   // "M", "F" or ""
	Birth  string    `json:"birth"` // YYYY-MM-DD or ""
	Region string    `json:"region"`
	Expiry string    `json:"expiry"` // YYYY-MM-DD, the last valid day
	Source string    `json:"source"` // "track2", "frame", or the agent's "voucher"
	ReadAt time.Time `json:"read_at"`
	// PersonID is the 18-character resident id (frame cards only).
	PersonID string `json:"person_id,omitempty"`
	// ICC is the card identification code (32 hex digits, as read) and ATR
	// the chip's answer to reset (hex, may be empty): frame cards only, the
	// card-read evidence of SPEC §10.
	ICC string `json:"icc,omitempty"`
	ATR string `json:"atr,omitempty"`
	// Problem is set when the card was readable but its data is invalid,
	// e.g. a wrong resident-id check character. The agent refuses such a
	// card with CARD_INVALID.
	Problem string `json:"problem,omitempty"`
}

// Policy converts the card to the form package policy evaluates. Birth and
// Expiry become dates at midnight UTC; they are zero when empty or
// unparseable.
func (c Card) Policy() policy.Card {
	return policy.Card{
		CardNo:   c.CardNo,
		PersonID: c.PersonID,
		Name:     c.Name,
		Sex:      c.Sex,
		Birth:    parseDate(c.Birth),
		Expiry:   parseDate(c.Expiry),
		Problem:  c.Problem,
	}
}

func parseDate(s string) time.Time {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
