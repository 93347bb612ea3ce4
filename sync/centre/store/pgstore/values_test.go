package pgstore

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{"": "", "王 ok": "王 ok", "a\x00b": "a\uFFFDb", "\xff\xfe": "\uFFFD", "\x00\xff": "\uFFFD\uFFFD"} {
		if got := cleanText(in); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSplitTime: every time a record can carry (years 0–9999 in JSON)
// splits into a microsecond and 0–999 ns that join back to the same
// instant, and splitting keeps order.
func FuzzSplitTime(f *testing.F) {
	f.Add(int64(0), int64(0), int64(1))
	f.Add(int64(-62135596800), int64(999), int64(-1))          // the zero time and after
	f.Add(int64(1740790800), int64(123456789), int64(1000))    // 2025, across a microsecond
	f.Add(int64(-62167219200), int64(999999999), int64(-1001)) // year 0
	f.Fuzz(func(t *testing.T, sec, nsec, delta int64) {
		const minSec, maxSec = -62167219200, 253402300799 // 0000-01-01 to 9999-12-31
		if sec < minSec || sec > maxSec {
			return
		}
		a := time.Unix(sec, nsec%1e9)
		b := a.Add(time.Duration(delta))
		for _, x := range []time.Time{a, b} {
			us, ns := splitTime(x)
			if ns < 0 || ns > 999 || us.Nanosecond()%1000 != 0 || !joinTime(us, ns).Equal(x) {
				t.Fatalf("split(%v) = %v + %d", x, us, ns)
			}
		}
		ua, na := splitTime(a)
		ub, nb := splitTime(b)
		if cmp := a.Compare(b); cmp != compareSplit(ua, na, ub, nb) {
			t.Fatalf("order of %v and %v lost: %d", a, b, cmp)
		}
	})
}

func compareSplit(ua time.Time, na int16, ub time.Time, nb int16) int {
	if c := ua.Compare(ub); c != 0 {
		return c
	}
	switch {
	case na < nb:
		return -1
	case na > nb:
		return 1
	}
	return 0
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "abc", "a\x00b", "\xff", "王\x00\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := cleanText(s)
		if !storable(c) || !utf8.ValidString(c) || strings.IndexByte(c, 0) >= 0 {
			t.Fatalf("cleanText(%q) = %q is not storable", s, c)
		}
		if storable(s) && c != s {
			t.Fatalf("cleanText changed storable %q to %q", s, c)
		}
	})
}
