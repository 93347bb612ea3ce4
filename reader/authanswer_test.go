package reader

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestAuthAnswerRoundTrip(t *testing.T) {
	for _, a := range []AuthAnswer{
		{CardNo: "A00000001", Counter: 1, Cryptogram: bytes.Repeat([]byte{0xAB}, 32)},
		{CardNo: "123456789", Counter: 0, Cryptogram: []byte{0}},
		{CardNo: "ZZZZZZZZZ", Counter: ^uint64(0), Cryptogram: bytes.Repeat([]byte{1}, MaxCryptogram)},
	} {
		data := EncodeAuthAnswer(a)
		got, err := ParseAuthAnswer(data)
		if err != nil {
			t.Fatalf("ParseAuthAnswer(%q): %v", data, err)
		}
		if got.CardNo != a.CardNo || got.Counter != a.Counter || !bytes.Equal(got.Cryptogram, a.Cryptogram) {
			t.Errorf("round trip of %+v gave %+v", a, got)
		}
	}
	if got := string(EncodeAuthAnswer(AuthAnswer{CardNo: "A00000001", Counter: 7, Cryptogram: []byte{0xDE, 0xAD}})); got != "A00000001|7|dead" {
		t.Errorf("encoded %q", got)
	}
	a, err := ParseAuthAnswer([]byte("A00000001|7|DEADbeef"))
	if err != nil || !bytes.Equal(a.Cryptogram, []byte{0xDE, 0xAD, 0xBE, 0xEF}) {
		t.Errorf("upper-case hex: %+v, %v", a, err)
	}
}

func TestParseAuthAnswerRefuses(t *testing.T) {
	long := strings.Repeat("ab", MaxCryptogram+1)
	for _, data := range []string{
		"",
		"A00000001|7",
		"A00000001|7|ab|",
		"A00000001|7|ab|cd",
		"A0000001|7|ab",                     // 8 characters
		"A000000012|7|ab",                   // 10
		"a00000001|7|ab",                    // lower case
		"A0000000 |7|ab",                    // space
		"A00000001||ab",                     // no counter
		"A00000001|+7|ab",                   // sign
		"A00000001|-7|ab",                   // sign
		"A00000001| 7|ab",                   // space
		"A00000001|07|ab",                   // leading zero
		"A00000001|7 |ab",                   // trailing junk
		"A00000001|0x7|ab",                  // not decimal
		"A00000001|18446744073709551616|ab", // 2^64
		"A00000001|7|",                      // no cryptogram
		"A00000001|7|abc",                   // odd length
		"A00000001|7|zz",                    // not hex
		"A00000001|7|" + long,               // too long
		"A00000001|7|ab\n",                  // junk after
	} {
		if a, err := ParseAuthAnswer([]byte(data)); !errors.Is(err, ErrBadAuthAnswer) {
			t.Errorf("ParseAuthAnswer(%q) = %+v, %v; want ErrBadAuthAnswer", data, a, err)
		}
	}
}

func FuzzParseAuthAnswer(f *testing.F) {
	for _, s := range []string{
		"A00000001|1|" + strings.Repeat("ab", 32),
		"123456789|18446744073709551615|00",
		"A00000001|07|ab", "A00000001|7|abc", "A00000001|7|ab|", "||", "",
		"A00000001|18446744073709551616|ab", "A0000000\xff|1|ab",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAuthAnswer(data)
		if err != nil {
			if !errors.Is(err, ErrBadAuthAnswer) {
				t.Fatalf("error %v does not wrap ErrBadAuthAnswer", err)
			}
			return
		}
		enc := EncodeAuthAnswer(a)
		b, err := ParseAuthAnswer(enc)
		if err != nil {
			t.Fatalf("accepted %q, but not its encoding %q: %v", data, enc, err)
		}
		if b.CardNo != a.CardNo || b.Counter != a.Counter || !bytes.Equal(b.Cryptogram, a.Cryptogram) {
			t.Fatalf("%q: %+v re-encoded as %q parsed as %+v", data, a, enc, b)
		}
		// Only the cryptogram's hex case may differ from the input.
		if !bytes.EqualFold(enc, data) {
			t.Fatalf("accepted %q is not the canonical %q up to hex case", data, enc)
		}
	})
}
