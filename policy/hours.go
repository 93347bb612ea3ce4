package policy

import (
	"errors"
	"strconv"
	"time"
)

// parseBusinessHours reads "HH:MM-HH:MM" into minutes after midnight. The
// close may be "24:00"; open must be before 24:00.
func parseBusinessHours(s string) (open, close int, err error) {
	if len(s) != 11 || s[5] != '-' {
		return 0, 0, errors.New(`want "HH:MM-HH:MM"`)
	}
	if open, err = parseClock(s[:5], false); err != nil {
		return 0, 0, err
	}
	if close, err = parseClock(s[6:], true); err != nil {
		return 0, 0, err
	}
	return open, close, nil
}

// parseClock reads "HH:MM" into minutes after midnight.
func parseClock(s string, allow24 bool) (int, error) {
	if len(s) != 5 || s[2] != ':' || !allDigits(s[:2]) || !allDigits(s[3:]) {
		return 0, errors.New(`want "HH:MM-HH:MM"`)
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:])
	if m > 59 || h > 24 || (h == 24 && (m != 0 || !allow24)) {
		return 0, errors.New(s + " is not a time of day")
	}
	return h*60 + m, nil
}

// withinHours reports whether t's local time of day is in [open, close),
// a range that may cross midnight. Equal ends mean always open.
func withinHours(t time.Time, open, close int) bool {
	m := t.Hour()*60 + t.Minute()
	switch {
	case open == close:
		return true
	case open < close:
		return m >= open && m < close
	default:
		return m >= open || m < close
	}
}
