package reader

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// AuthAnswer is the DATA of the reader's 0x43 frame, the card's answer to
// an AUTH challenge (SPEC §10): which card answered, the card's transaction
// counter and its cryptogram over (challenge, counter). It does not carry
// the challenge it answers.
type AuthAnswer struct {
	CardNo     string
	Counter    uint64
	Cryptogram []byte
}

// MaxCryptogram is the largest cryptogram, in bytes, an answer may carry.
const MaxCryptogram = 64

// ErrBadAuthAnswer: the DATA of a 0x43 frame is not card number '|'
// counter '|' cryptogram. ParseAuthAnswer wraps it with detail.
var ErrBadAuthAnswer = errors.New("bad AUTH answer")

// EncodeAuthAnswer is the DATA of the 0x43 frame carrying a: the card
// number, the counter in decimal and the cryptogram in lower-case hex,
// separated by '|'. It does not validate a, so tests can build bad answers.
func EncodeAuthAnswer(a AuthAnswer) []byte {
	return fmt.Appendf(nil, "%s|%d|%x", a.CardNo, a.Counter, a.Cryptogram)
}

// ParseAuthAnswer decodes the DATA of a 0x43 frame. It is strict: exactly
// three '|'-separated fields; a card number of 9 digits or capital letters
// (as the card record has it); a counter of decimal digits with no sign,
// space or leading zero that fits a uint64; a cryptogram of 1 to
// MaxCryptogram bytes in hex (either case). Errors wrap ErrBadAuthAnswer.
func ParseAuthAnswer(data []byte) (AuthAnswer, error) {
	fs := strings.Split(string(data), recordSep)
	if len(fs) != 3 {
		return AuthAnswer{}, fmt.Errorf("%w: %d fields, want 3 (card number|counter|cryptogram)", ErrBadAuthAnswer, len(fs))
	}
	no, ctr, cg := fs[0], fs[1], fs[2]
	if len(no) != 9 || !isUpperAlnum(no) {
		return AuthAnswer{}, fmt.Errorf("%w: card number %q, want 9 digits or capital letters", ErrBadAuthAnswer, clipBytes(no))
	}
	if ctr == "" || !isDigits(ctr) || (len(ctr) > 1 && ctr[0] == '0') {
		return AuthAnswer{}, fmt.Errorf("%w: counter %q, want a decimal number without sign or leading zero", ErrBadAuthAnswer, clipBytes(ctr))
	}
	n, err := strconv.ParseUint(ctr, 10, 64)
	if err != nil {
		return AuthAnswer{}, fmt.Errorf("%w: counter %q does not fit 64 bits", ErrBadAuthAnswer, clipBytes(ctr))
	}
	if cg == "" || len(cg)%2 != 0 || len(cg) > 2*MaxCryptogram || !isHex(cg) {
		return AuthAnswer{}, fmt.Errorf("%w: cryptogram of %d characters, want 1 to %d bytes in hex", ErrBadAuthAnswer, len(cg), MaxCryptogram)
	}
	b, _ := hex.DecodeString(cg) // checked above
	return AuthAnswer{CardNo: no, Counter: n, Cryptogram: b}, nil
}

// clipBytes shortens arbitrary bytes for an error message (%q escapes
// them).
func clipBytes(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
