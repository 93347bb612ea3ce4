package reader

import (
	"bytes"
	"fmt"
	"time"
)

// Track 2 (ISO/IEC 7811-2, 7813) as an ASCII reader sends it:
//
//	';' PAN '=' YYMM SSS DDD… '?' [LRC] CR/LF
//
// On the stripe every character is 4 data bits plus an odd-parity bit; the
// reader checks the parity bits and reports each character as the ASCII
// byte 0x30+value ('0'–'9' are 0–9, ';' is 0xB the start sentinel, '=' is
// 0xD the field separator, '?' is 0xF the end sentinel). The LRC character's
// 4 data bits are the XOR of the data bits of every character from the start
// sentinel through the end sentinel (even parity per bit position); its
// parity bit is the odd parity of those 4 bits alone and, like every parity
// bit, is not visible in the ASCII form. A reader configured to pass the LRC
// through sends it as 0x30+LRC, so the LRC byte is always in '0'–'?'.

const (
	startSentinel = ';'
	separator     = '='
	endSentinel   = '?'
	maxPAN        = 19
)

// trackLRC returns the ASCII form of the LRC of chars (';' through '?').
func trackLRC(chars []byte) byte {
	var x byte
	for _, c := range chars {
		x ^= c & 0x0F
	}
	return '0' + x
}

// ParseTrack2 decodes one track-2 line. Trailing CR and LF are ignored. The
// LRC byte after '?' is optional; when present it must match. The PAN is the
// card number; the expiry YYMM becomes the last day of that month of year
// 20YY. At least 3 service-code digits must follow the expiry; any further
// digits are discretionary data and are not kept. Errors wrap
// ErrMissingSentinel, ErrMissingSeparator, ErrBadLRC, ErrNonDigit, ErrBadPAN,
// ErrBadExpiry or ErrBadServiceCode. ReadAt is left zero.
func ParseTrack2(line []byte) (Card, error) {
	line = bytes.TrimRight(line, "\r\n")
	if len(line) == 0 || line[0] != startSentinel {
		return Card{}, fmt.Errorf("track 2: %w: line does not start with ';'", ErrMissingSentinel)
	}
	end := bytes.IndexByte(line, endSentinel)
	if end < 0 {
		return Card{}, fmt.Errorf("track 2: %w: no end sentinel '?'", ErrMissingSentinel)
	}
	if err := checkLRC(line[:end+1], line[end+1:]); err != nil {
		return Card{}, err
	}
	body := line[1:end]
	sep := bytes.IndexByte(body, separator)
	if sep < 0 {
		return Card{}, fmt.Errorf("track 2: %w", ErrMissingSeparator)
	}
	pan, rest := body[:sep], body[sep+1:]
	if len(pan) == 0 || len(pan) > maxPAN {
		return Card{}, fmt.Errorf("track 2: %w: %d digits, want 1–%d", ErrBadPAN, len(pan), maxPAN)
	}
	if i := nonDigit(pan); i >= 0 {
		return Card{}, fmt.Errorf("track 2: %w %q in PAN", ErrNonDigit, pan[i])
	}
	expiry, err := parseTrackData(rest)
	if err != nil {
		return Card{}, err
	}
	return Card{CardNo: string(pan), Expiry: expiry, Source: string(FormatTrack2)}, nil
}

// checkLRC checks what follows the end sentinel: nothing, or the LRC of
// chars.
func checkLRC(chars, tail []byte) error {
	switch len(tail) {
	case 0:
		return nil
	case 1:
		if want := trackLRC(chars); tail[0] != want {
			return fmt.Errorf("track 2: %w: got %q, want %q", ErrBadLRC, tail[0], want)
		}
		return nil
	}
	return fmt.Errorf("track 2: %w: %d bytes after the end sentinel, want at most 1", ErrBadLRC, len(tail))
}

// parseTrackData checks the digits after the separator and returns the
// expiry as YYYY-MM-DD.
func parseTrackData(rest []byte) (string, error) {
	if i := nonDigit(rest); i >= 0 {
		return "", fmt.Errorf("track 2: %w %q after the separator", ErrNonDigit, rest[i])
	}
	if len(rest) < 4 {
		return "", fmt.Errorf("track 2: %w: %d digits, want YYMM", ErrBadExpiry, len(rest))
	}
	yy := int(rest[0]-'0')*10 + int(rest[1]-'0')
	mm := int(rest[2]-'0')*10 + int(rest[3]-'0')
	if mm < 1 || mm > 12 {
		return "", fmt.Errorf("track 2: %w: month %02d", ErrBadExpiry, mm)
	}
	if len(rest) < 7 {
		return "", fmt.Errorf("track 2: %w: %d digits, want 3", ErrBadServiceCode, len(rest)-4)
	}
	last := time.Date(2000+yy, time.Month(mm)+1, 0, 0, 0, 0, 0, time.UTC)
	return last.Format(dateLayout), nil
}

// nonDigit returns the index of the first byte of b that is not '0'–'9', or
// -1.
func nonDigit(b []byte) int {
	for i, c := range b {
		if c < '0' || c > '9' {
			return i
		}
	}
	return -1
}

// EncodeTrack2 builds the line a track-2 reader sends for a swipe, ending in
// "\r\n", with the LRC byte when withLRC is set. It does not validate its
// arguments, so tests can build bad lines.
func EncodeTrack2(pan, expiryYYMM, serviceCode, discretionary string, withLRC bool) []byte {
	b := make([]byte, 0, len(pan)+len(expiryYYMM)+len(serviceCode)+len(discretionary)+6)
	b = append(b, startSentinel)
	b = append(b, pan...)
	b = append(b, separator)
	b = append(b, expiryYYMM...)
	b = append(b, serviceCode...)
	b = append(b, discretionary...)
	b = append(b, endSentinel)
	if withLRC {
		b = append(b, trackLRC(b))
	}
	return append(b, '\r', '\n')
}
