package reader

import "errors"

// Errors of the track-2 decoder. ParseTrack2 wraps one of them with detail;
// test with errors.Is.
var (
	// ErrMissingSentinel: no start sentinel ';' at the beginning of the line
	// or no end sentinel '?'.
	ErrMissingSentinel = errors.New("missing sentinel")
	// ErrMissingSeparator: no field separator '=' after the PAN.
	ErrMissingSeparator = errors.New("missing field separator")
	// ErrBadLRC: the byte after the end sentinel is not the LRC of the data,
	// or more than one byte follows the end sentinel.
	ErrBadLRC = errors.New("bad LRC")
	// ErrNonDigit: a character that must be a decimal digit is not.
	ErrNonDigit = errors.New("non-digit character")
	// ErrBadPAN: the PAN is empty or longer than 19 digits.
	ErrBadPAN = errors.New("bad PAN length")
	// ErrBadExpiry: the expiry is missing or its month is not 01–12.
	ErrBadExpiry = errors.New("bad expiry")
	// ErrBadServiceCode: fewer than 3 service-code digits.
	ErrBadServiceCode = errors.New("bad service code")
)

// Errors of the card-record decoder. ParseCardRecord wraps one of them with
// detail.
var (
	// ErrBadEncoding: the record is not valid GBK.
	ErrBadEncoding = errors.New("invalid GBK")
	// ErrFieldCount: the record does not have 11 '|'-separated fields.
	ErrFieldCount = errors.New("wrong field count")
	// ErrBadField: a field has the wrong length, characters or date.
	ErrBadField = errors.New("bad field")
)

// ErrBadFormat is returned for a Format other than "track2", "frame" or
// "scanner".
var ErrBadFormat = errors.New("unknown reader format")
