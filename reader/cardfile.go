package reader

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// CardFile is a simulated card, as JSON: the basic record's fields plus
// what a track-2 swipe needs. Example (testdata/cards/zhang-san.json):
//
//	{"region": "110105", "person_id": "110105196003150013", "card_no": "A00000001",
//	 "card_id": "…32 hex…", "name": "张三", "atr": "3B6D…", "version": "3.00",
//	 "issue_date": "20200115", "expiry": "20300114", "terminal_no": "", "device_no": "",
//	 "pan": "11010500000001", "service_code": "120", "note": "valid card"}
//
// The track-2 expiry YYMM is taken from Expiry.
type CardFile struct {
	CardRecord
	// PAN is the track-2 card number; see Track2PAN for the default.
	PAN string `json:"pan,omitempty"`
	// ServiceCode is the track-2 service code, default "120".
	ServiceCode string `json:"service_code,omitempty"`
	// Discretionary is extra track-2 digits after the service code.
	Discretionary string `json:"discretionary,omitempty"`
	// Note says what the card is for; it is not sent.
	Note string `json:"note,omitempty"`
}

const defaultServiceCode = "120"

// Track2PAN is the PAN a track-2 swipe of the card carries: PAN when set;
// otherwise CardNo when it is all digits; otherwise Region followed by the
// digits of CardNo (letters dropped), so card "A00000001" of region
// "110105" swipes as "11010500000001".
func (c CardFile) Track2PAN() string {
	if c.PAN != "" {
		return c.PAN
	}
	if c.CardNo != "" && isDigits(c.CardNo) {
		return c.CardNo
	}
	digits := []byte(c.Region)
	for _, ch := range []byte(c.CardNo) {
		if '0' <= ch && ch <= '9' {
			digits = append(digits, ch)
		}
	}
	return string(digits)
}

// NewCardFile returns a plausible, valid card with number cardNo, for
// "cardsim --swipe": a made-up holder of region 110105 with a resident id
// whose check character is right.
func NewCardFile(cardNo string) CardFile {
	id := "11010519800101001"
	check, _ := ResidentIDCheck(id)
	return CardFile{CardRecord: CardRecord{
		Region: "110105", PersonID: id + string(check), CardNo: cardNo,
		CardID: "00000000000000000000000000000000", Name: "测试持卡人",
		ATR: "3B6D000080318065B0831100C883009000", Version: "3.00",
		IssueDate: "20200101", Expiry: "20391231",
	}}
}

// LoadCardFile reads a card file and checks that WriteSwipe can send it in
// both formats: the record must parse (a wrong resident-id check character
// is allowed, it is what some test cards are for) and the track-2 line must
// parse. Unknown JSON fields are an error.
func LoadCardFile(path string) (CardFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return CardFile{}, fmt.Errorf("card file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c CardFile
	if err := dec.Decode(&c); err != nil {
		return CardFile{}, fmt.Errorf("card file %s: %w", path, err)
	}
	if err := c.Check(); err != nil {
		return CardFile{}, fmt.Errorf("card file %s: %w", path, err)
	}
	return c, nil
}

// Check reports whether the card's swipes in formats (both when none are
// given) decode. A wrong resident-id check character is not an error.
func (c CardFile) Check(formats ...Format) error {
	if len(formats) == 0 {
		formats = []Format{FormatFrame, FormatTrack2}
	}
	for _, f := range formats {
		b, err := c.swipe(f)
		if err != nil {
			return err
		}
		if f == FormatFrame {
			_, err = ParseCardRecord(b[4 : len(b)-2])
		} else {
			_, err = ParseTrack2(b)
		}
		if err != nil {
			return fmt.Errorf("%s swipe: %w", f, err)
		}
	}
	return nil
}

// WriteSwipe writes one swipe of card as a reader in format would send it:
// a track-2 line (with LRC) or a card-read frame.
func WriteSwipe(w io.Writer, format Format, card CardFile) error {
	b, err := card.swipe(format)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write swipe: %w", err)
	}
	return nil
}

// swipe encodes one swipe of the card.
func (c CardFile) swipe(format Format) ([]byte, error) {
	switch format {
	case FormatTrack2:
		if len(c.Expiry) != 8 {
			return nil, fmt.Errorf("track 2 swipe: %w: expiry %q, want YYYYMMDD", ErrBadField, c.Expiry)
		}
		sc := c.ServiceCode
		if sc == "" {
			sc = defaultServiceCode
		}
		return EncodeTrack2(c.Track2PAN(), c.Expiry[2:6], sc, c.Discretionary, true), nil
	case FormatFrame:
		rec, err := EncodeCardRecord(c.CardRecord)
		if err != nil {
			return nil, err
		}
		return EncodeFrame(CmdCardRead, rec), nil
	}
	return nil, format.Validate()
}
