// Package money writes and reads amounts of money for people: int64 fen
// shown as ¥yuan.fen ("¥1234.50", "-¥0.05", no thousands separators),
// and yuan as a cashier types them read back exactly, never through a
// float. Both web UIs use it: the cashier page (agent/cashier) and the
// supervisors' console (sync/centre/console).
//
// It owns the text form of an amount only; every sum is int64 fen,
// computed by policy and the ledger.
package money

import (
	"errors"
	"strconv"
	"strings"
)

// Fen is an amount in fen (1/100 yuan).
type Fen int64

// String writes f as yuan with two decimals: 2380 → "¥23.80",
// -5 → "-¥0.05", 123450 → "¥1234.50". Integer arithmetic only.
func (f Fen) String() string {
	b := make([]byte, 0, 28)
	u := uint64(f)
	if f < 0 {
		b = append(b, '-')
		u = uint64(-(f + 1)) + 1 // no overflow at math.MinInt64
	}
	b = append(b, "¥"...)
	b = strconv.AppendUint(b, u/100, 10)
	c := u % 100
	return string(append(b, '.', byte('0'+c/10), byte('0'+c%10)))
}

// Max is the largest amount ParseYuan accepts: one million yuan, the
// agent's largest unit price.
const Max Fen = 100_000_000

// Errors of ParseYuan.
var (
	ErrEmpty    = errors.New("amount is empty")
	ErrBad      = errors.New("amount is not yuan with at most two decimals, like 23.80")
	ErrTooLarge = errors.New("amount is above one million yuan")
)

// ParseYuan reads an amount in yuan as a person types it ("23.8",
// "23.80", "¥23.80", "￥23", ".5") into fen, exactly. Negative amounts,
// signs, separators, exponents, more than two decimals and amounts above
// Max are refused. What String writes of an amount from 0 to Max reads
// back the same.
func ParseYuan(s string) (Fen, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrEmpty
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || !digits(whole) || !digits(frac) || len(frac) > 2 {
		return 0, ErrBad
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 7 { // more than 9,999,999 yuan: above Max, and no overflow below
		return 0, ErrTooLarge
	}
	var f Fen
	for _, d := range whole + (frac + "00")[:2] {
		f = f*10 + Fen(d-'0')
	}
	if f > Max {
		return 0, ErrTooLarge
	}
	return f, nil
}

// digits reports whether s is ASCII digits only ("" is).
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
