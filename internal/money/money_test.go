package money

import (
	"errors"
	"math"
	"regexp"
	"testing"
)

func TestString(t *testing.T) {
	for fen, want := range map[Fen]string{
		0: "¥0.00", 5: "¥0.05", 100: "¥1.00", 2380: "¥23.80", 16800: "¥168.00", 123450: "¥1234.50",
		303600: "¥3036.00", -105: "-¥1.05", -250: "-¥2.50",
		math.MaxInt64: "¥92233720368547758.07", math.MinInt64: "-¥92233720368547758.08",
	} {
		if got := fen.String(); got != want {
			t.Errorf("Fen(%d).String() = %q, want %q", int64(fen), got, want)
		}
	}
}

func TestParseYuan(t *testing.T) {
	ok := map[string]Fen{
		"23.80": 2380, "23.8": 2380, "23": 2300, "23.": 2300, ".5": 50, "0.01": 1, " ¥168 ": 16800,
		"￥0.99": 99, "007.10": 710, "1000000": Max, "1000000.00": Max, "0": 0, "0000000001000000": Max,
		"¥1234.50": 123450,
	}
	for in, want := range ok {
		if got, err := ParseYuan(in); err != nil || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]error{
		"": ErrEmpty, " ¥ ": ErrEmpty, ".": ErrBad, "23.805": ErrBad, "-1": ErrBad, "-¥1.00": ErrBad,
		"1,000": ErrBad, "1e3": ErrBad, "23.8.0": ErrBad, "+5": ErrBad, "NaN": ErrBad, "٣": ErrBad,
		"1000000.01": ErrTooLarge, "9999999.99": ErrTooLarge, "99999999999999999999": ErrTooLarge,
	}
	for in, want := range bad {
		if got, err := ParseYuan(in); !errors.Is(err, want) || got != 0 {
			t.Errorf("ParseYuan(%q) = %d, %v; want %v", in, got, err, want)
		}
	}
}

var yuanText = regexp.MustCompile(`^¥[0-9]+\.[0-9]{2}$`)

// FuzzParseYuan: whatever is typed, the parser answers an amount within
// bounds or an error, and an amount it accepts is written back and read
// again the same (Parse∘String is the identity on what Parse accepts).
func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"23.80", "23.8", "¥168", ".5", "1000000", "1000000.01", "-1", "1e3", "",
		"00.00", "9.999", "￥ 7", "¥1234.50", "0009999999"} {
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
		if fen < 0 || fen > Max {
			t.Fatalf("ParseYuan(%q) = %d, out of bounds", s, fen)
		}
		text := fen.String()
		if !yuanText.MatchString(text) {
			t.Fatalf("Fen(%d).String() = %q", fen, text)
		}
		if back, err := ParseYuan(text); err != nil || back != fen {
			t.Fatalf("round trip %q → %d → %q → %d, %v", s, fen, text, back, err)
		}
	})
}

// FuzzStringParses: every amount from 0 to Max is written as text that
// reads back as itself.
func FuzzStringParses(f *testing.F) {
	for _, n := range []int64{0, 1, 99, 100, 123450, int64(Max) - 1, int64(Max)} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		if n < 0 {
			n = -(n + 1)
		}
		fen := Fen(n % (int64(Max) + 1))
		if back, err := ParseYuan(fen.String()); err != nil || back != fen {
			t.Fatalf("%d → %q → %d, %v", fen, fen.String(), back, err)
		}
	})
}

func BenchmarkString(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		_ = Fen(int64(i) * 37).String()
	}
}

func BenchmarkParseYuan(b *testing.B) {
	for b.Loop() {
		if _, err := ParseYuan("1234.56"); err != nil {
			b.Fatal(err)
		}
	}
}
