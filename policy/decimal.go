package policy

import (
	"errors"
	"strconv"
	"strings"
)

// maxWholeDays bounds a decimal day count so that millidays, and durations
// built from them, never overflow.
const maxWholeDays = 100000

// parseMillidays parses a non-negative decimal with at most three decimals
// ("1", "0.5", "0.333") into thousandths, without floating point.
func parseMillidays(s string) (int64, error) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || (dot && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return 0, errors.New("not a decimal number")
	}
	if len(frac) > 3 {
		return 0, errors.New("more than 3 decimals")
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > maxWholeDays {
		return 0, errors.New("too large")
	}
	f := int64(0)
	for i := 0; i < 3; i++ {
		f *= 10
		if i < len(frac) {
			f += int64(frac[i] - '0')
		}
	}
	return w*1000 + f, nil
}

// formatMillidays writes thousandths as a decimal with no trailing zeros:
// 1500 → "1.5", 30000 → "30", -250 → "-0.25".
func formatMillidays(m int64) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	s := sign + strconv.FormatInt(m/1000, 10)
	if frac := m % 1000; frac != 0 {
		digits := strconv.FormatInt(frac+1000, 10)[1:] // zero-padded to 3
		s += "." + strings.TrimRight(digits, "0")
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
