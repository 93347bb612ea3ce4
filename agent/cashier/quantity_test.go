package cashier

import (
	"testing"
)

func TestParseQty(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, " 3 ": 3, "100000": 100000, "007": 7} {
		if got, err := ParseQty(in); err != nil || got != want {
			t.Errorf("ParseQty(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "1.5", "100001", "1e2", "abc", "9999999999999999999"} {
		if got, err := ParseQty(in); err == nil {
			t.Errorf("ParseQty(%q) = %d, want an error", in, got)
		}
	}
}

// FuzzParseQty: a quantity is accepted only within the agent's bounds.
func FuzzParseQty(f *testing.F) {
	for _, s := range []string{"1", "100000", "100001", "0", "-3", "1.0", " 2 ", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseQty(s)
		if err == nil && (n < 1 || n > 100000) {
			t.Fatalf("ParseQty(%q) = %d, out of bounds", s, n)
		}
	})
}
