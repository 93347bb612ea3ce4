package cashier

import (
	"errors"
	"math"
	"regexp"
	"testing"
)

func TestFormatYuan(t *testing.T) {
	for fen, want := range map[int64]string{
		0: "¥0.00", 5: "¥0.05", 100: "¥1.00", 2380: "¥23.80", 16800: "¥168.00", -105: "-¥1.05",
		math.MaxInt64: "¥92233720368547758.07", math.MinInt64: "-¥92233720368547758.08",
	} {
		if got := FormatYuan(fen); got != want {
			t.Errorf("FormatYuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

func TestParseYuan(t *testing.T) {
	ok := map[string]int64{
		"23.80": 2380, "23.8": 2380, "23": 2300, "23.": 2300, ".5": 50, "0.01": 1, " ¥168 ": 16800,
		"￥0.99": 99, "007.10": 710, "1000000": MaxPrice, "1000000.00": MaxPrice, "0": 0,
	}
	for in, want := range ok {
		if got, err := ParseYuan(in); err != nil || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]error{
		"": ErrEmptyAmount, " ¥ ": ErrEmptyAmount, ".": ErrBadAmount, "23.805": ErrBadAmount, "-1": ErrBadAmount,
		"1,000": ErrBadAmount, "1e3": ErrBadAmount, "23.8.0": ErrBadAmount, "+5": ErrBadAmount, "NaN": ErrBadAmount,
		"1000000.01": ErrTooLarge, "99999999999999999999": ErrTooLarge, "٣": ErrBadAmount,
	}
	for in, want := range bad {
		if got, err := ParseYuan(in); !errors.Is(err, want) {
			t.Errorf("ParseYuan(%q) = %d, %v; want %v", in, got, err, want)
		}
	}
}

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

var yuanText = regexp.MustCompile(`^-?¥[0-9]+\.[0-9]{2}$`)

// FuzzParseYuan: whatever is typed, the parser answers an amount within
// bounds or an error, and an amount it accepts is written back the same.
func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"23.80", "23.8", "¥168", ".5", "1000000", "1000000.01", "-1", "1e3", "", "00.00", "9.999", "￥ 7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, err := ParseYuan(s)
		if err != nil {
			if fen != 0 {
				t.Fatalf("ParseYuan(%q) = %d with error %v", s, fen, err)
			}
			return
		}
		if fen < 0 || fen > MaxPrice {
			t.Fatalf("ParseYuan(%q) = %d, out of bounds", s, fen)
		}
		text := FormatYuan(fen)
		if !yuanText.MatchString(text) {
			t.Fatalf("FormatYuan(%d) = %q", fen, text)
		}
		if back, err := ParseYuan(text); err != nil || back != fen {
			t.Fatalf("round trip %q → %d → %q → %d, %v", s, fen, text, back, err)
		}
	})
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

func BenchmarkFormatYuan(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		_ = FormatYuan(int64(i) * 37)
	}
}

func BenchmarkParseYuan(b *testing.B) {
	for b.Loop() {
		if _, err := ParseYuan("1234.56"); err != nil {
			b.Fatal(err)
		}
	}
}
