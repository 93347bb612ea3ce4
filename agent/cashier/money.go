package cashier

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount as the page shows it: the fen the agent computed and
// the same amount written as ¥yuan.fen. The page never does arithmetic on
// money; it shows Text.
type Money struct {
	Fen  int64  `json:"fen"`
	Text string `json:"text"`
}

// moneyOf builds the page's form of an amount in fen.
func moneyOf(fen int64) Money { return Money{Fen: fen, Text: FormatYuan(fen)} }

// FormatYuan writes fen as yuan with two decimals: 2380 → "¥23.80",
// -5 → "-¥0.05". It uses integer division only.
func FormatYuan(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign = "-"
		u = uint64(-(fen + 1)) + 1 // safe for math.MinInt64
	}
	b := make([]byte, 0, 28)
	b = append(b, sign...)
	b = append(b, "¥"...)
	b = strconv.AppendUint(b, u/100, 10)
	f := u % 100
	return string(append(b, '.', byte('0'+f/10), byte('0'+f%10)))
}

// MaxPrice is the largest unit price the page accepts: one million yuan,
// the agent's own limit.
const MaxPrice = 100_000_000

// Errors of ParseYuan.
var (
	ErrEmptyAmount = errors.New("amount is empty")
	ErrBadAmount   = errors.New("amount is not yuan with at most two decimals, like 23.80")
	ErrTooLarge    = errors.New("amount is above one million yuan")
)

// ParseYuan reads an amount in yuan as a cashier types it ("23.8",
// "23.80", "¥23.80", "23") into fen, exactly: no floating point. Negative
// amounts, more than two decimals and amounts above MaxPrice are refused.
func ParseYuan(s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrEmptyAmount
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || !allDigits(whole) || !allDigits(frac) || len(frac) > 2 {
		return 0, ErrBadAmount
	}
	if len(strings.TrimLeft(whole, "0")) > 7 { // more than 9,999,999 yuan
		return 0, ErrTooLarge
	}
	var yuan int64
	if whole != "" {
		v, err := strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return 0, ErrBadAmount
		}
		yuan = v
	}
	var fen int64
	for i := 0; i < 2; i++ {
		fen *= 10
		if i < len(frac) {
			fen += int64(frac[i] - '0')
		}
	}
	total := yuan*100 + fen
	if total > MaxPrice {
		return 0, ErrTooLarge
	}
	return total, nil
}

// ParseQty reads a quantity: a positive whole number of the catalogue's
// unit, at most 100000 (the agent's limit).
func ParseQty(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 6 || !allDigits(s) {
		return 0, fmt.Errorf("quantity %q is not a whole number", s)
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	if n <= 0 || n > 100000 {
		return 0, fmt.Errorf("quantity %d is not between 1 and 100000", n)
	}
	return n, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
