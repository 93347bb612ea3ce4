package boltcheck

import (
	"fmt"
	"os"
)

// Damage names one way of breaking a bbolt file's bytes.
type Damage struct {
	Name  string
	Apply func([]byte) []byte
}

// Refusals lists damages every store must refuse at open with ErrDamaged:
// zeroed meta pages and truncations inside and between the first pages. It
// is test equipment shared by the journal's and the centre store's tests;
// Apply works on a copy.
func Refusals() []Damage {
	page := os.Getpagesize()
	ds := []Damage{{"zero-meta", func(b []byte) []byte {
		b = append([]byte(nil), b...)
		clear(b[:min(len(b), 2*page)])
		return b
	}}}
	for _, n := range []int{10, page, page + 100, 2 * page, 3*page - 1} {
		ds = append(ds, Damage{fmt.Sprintf("truncate-%d", n), func(b []byte) []byte {
			return append([]byte(nil), b[:min(len(b), n)]...)
		}})
	}
	return ds
}
