package reader

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// CardRecord is the basic record of a social-security card as the reading
// interface (iReadCardBas) returns it, field by field, in order.
type CardRecord struct {
	Region     string `json:"region"`      // issuing region code, 6 digits
	PersonID   string `json:"person_id"`   // resident id, 18 characters
	CardNo     string `json:"card_no"`     // card number, 9 characters
	CardID     string `json:"card_id"`     // card identification code, 32 hex digits
	Name       string `json:"name"`        // holder's name
	ATR        string `json:"atr"`         // answer to reset, hex (may be empty)
	Version    string `json:"version"`     // card specification version, e.g. "3.00"
	IssueDate  string `json:"issue_date"`  // YYYYMMDD
	Expiry     string `json:"expiry"`      // YYYYMMDD, the last valid day
	TerminalNo string `json:"terminal_no"` // may be empty
	DeviceNo   string `json:"device_no"`   // may be empty
}

const (
	recordFields = 11
	recordSep    = "|"
	recordDate   = "20060102"
)

// fields returns the record's fields in wire order.
func (r CardRecord) fields() []string {
	return []string{r.Region, r.PersonID, r.CardNo, r.CardID, r.Name, r.ATR,
		r.Version, r.IssueDate, r.Expiry, r.TerminalNo, r.DeviceNo}
}

// EncodeCardRecord joins the fields with '|' and encodes them in GBK. It
// fails only when a field contains '|' or a character GBK cannot encode; it
// does not validate lengths or check characters, so tests can build bad
// records.
func EncodeCardRecord(r CardRecord) ([]byte, error) {
	fs := r.fields()
	for i, f := range fs {
		if strings.Contains(f, recordSep) {
			return nil, fmt.Errorf("card record field %d: contains '|'", i+1)
		}
	}
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(strings.Join(fs, recordSep)))
	if err != nil {
		return nil, fmt.Errorf("card record: encode GBK: %w", err)
	}
	return b, nil
}

// ParseCardRecord decodes the DATA of a card-read frame: a GBK-encoded,
// '|'-separated basic record of 11 fields, optionally with a trailing '|'.
// It checks each field's length and characters and that the dates are real
// dates, and takes birth date and sex from the resident id. A wrong
// resident-id check character is not an error: the card is returned with
// Problem set. Errors wrap ErrBadEncoding, ErrFieldCount or ErrBadField.
// ReadAt is left zero.
func ParseCardRecord(data []byte) (Card, error) {
	r, err := splitRecord(data)
	if err != nil {
		return Card{}, err
	}
	if err := r.check(); err != nil {
		return Card{}, err
	}
	id, err := parseResidentID(r.PersonID)
	if err != nil {
		return Card{}, err
	}
	return Card{
		CardNo:   r.CardNo,
		Name:     r.Name,
		Sex:      id.sex,
		Birth:    id.birth,
		Region:   r.Region,
		Expiry:   reformatDate(r.Expiry),
		Source:   string(FormatFrame),
		PersonID: id.id,
		ICC:      r.CardID,
		ATR:      r.ATR,
		Problem:  id.problem,
	}, nil
}

// splitRecord decodes GBK and splits the fields. It decodes before
// splitting because a GBK trail byte may be 0x7C, the code of '|'.
func splitRecord(data []byte) (CardRecord, error) {
	text, err := simplifiedchinese.GBK.NewDecoder().Bytes(data)
	if err != nil {
		return CardRecord{}, fmt.Errorf("card record: %w: %v", ErrBadEncoding, err)
	}
	// The decoder substitutes U+FFFD for bad bytes; GBK cannot encode
	// U+FFFD, so its presence means the input was not GBK.
	if i := strings.IndexRune(string(text), utf8.RuneError); i >= 0 {
		return CardRecord{}, fmt.Errorf("card record: %w at byte %d of the decoded text", ErrBadEncoding, i)
	}
	fs := strings.Split(string(text), recordSep)
	if len(fs) == recordFields+1 && fs[recordFields] == "" {
		fs = fs[:recordFields]
	}
	if len(fs) != recordFields {
		return CardRecord{}, fmt.Errorf("card record: %w: %d fields, want %d", ErrFieldCount, len(fs), recordFields)
	}
	return CardRecord{
		Region: fs[0], PersonID: fs[1], CardNo: fs[2], CardID: fs[3], Name: fs[4],
		ATR: fs[5], Version: fs[6], IssueDate: fs[7], Expiry: fs[8],
		TerminalNo: fs[9], DeviceNo: fs[10],
	}, nil
}

// check validates every field except the resident id, which parseResidentID
// checks.
func (r CardRecord) check() error {
	checks := []struct {
		name, value string
		ok          bool
		want        string
	}{
		{"region", r.Region, len(r.Region) == 6 && isDigits(r.Region), "6 digits"},
		{"card number", r.CardNo, len(r.CardNo) == 9 && isUpperAlnum(r.CardNo), "9 digits or capital letters"},
		{"card identification code", r.CardID, len(r.CardID) == 32 && isHex(r.CardID), "32 hex digits"},
		{"name", r.Name, r.Name != "" && isText(r.Name), "non-empty text"},
		{"ATR", r.ATR, len(r.ATR)%2 == 0 && isHex(r.ATR), "hex bytes"},
		{"spec version", r.Version, isText(r.Version), "text"},
		{"issue date", r.IssueDate, isDate(r.IssueDate), "a date YYYYMMDD"},
		{"expiry", r.Expiry, isDate(r.Expiry), "a date YYYYMMDD"},
		{"terminal number", r.TerminalNo, isText(r.TerminalNo), "text"},
		{"device number", r.DeviceNo, isText(r.DeviceNo), "text"},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("card record: %w: %s %q, want %s", ErrBadField, c.name, clip(c.value), c.want)
		}
	}
	return nil
}

// clip shortens a field for an error message.
func clip(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}

// reformatDate turns a checked YYYYMMDD into YYYY-MM-DD.
func reformatDate(s string) string {
	return s[0:4] + "-" + s[4:6] + "-" + s[6:8]
}

func isDate(s string) bool {
	if len(s) != 8 || !isDigits(s) {
		return false
	}
	t, err := time.Parse(recordDate, s)
	return err == nil && t.Year() >= 1900
}

func isDigits(s string) bool { return nonDigit([]byte(s)) < 0 }

func isHex(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isUpperAlnum(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// isText reports whether s has no control characters.
func isText(s string) bool {
	for _, c := range s {
		if unicode.IsControl(c) {
			return false
		}
	}
	return true
}
