package reader

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseTrack2(t *testing.T) {
	good := []struct {
		line        string
		pan, expiry string
	}{
		{";1=2501120?=", "1", "2025-01-31"}, // LRC worked by hand: B^1^D^2^5^0^1^1^2^0^F = D
		{";1=2501120?", "1", "2025-01-31"},
		{";6212345678901234567=2402120123456789?\r\n", "6212345678901234567", "2024-02-29"},
		{";11010500000001=3012120?\n", "11010500000001", "2030-12-31"},
		{";42=9912999?\r", "42", "2099-12-31"},
	}
	for _, g := range good {
		c, err := ParseTrack2([]byte(g.line))
		if err != nil {
			t.Errorf("ParseTrack2(%q): %v", g.line, err)
			continue
		}
		if c.CardNo != g.pan || c.Expiry != g.expiry || c.Source != "track2" || c.Name != "" {
			t.Errorf("ParseTrack2(%q) = %+v, want pan %s expiry %s", g.line, c, g.pan, g.expiry)
		}
	}

	bad := []struct {
		line string
		want error
	}{
		{"", ErrMissingSentinel},
		{"1234=3001120?", ErrMissingSentinel},
		{";1234=3001120", ErrMissingSentinel},
		{";1=2501120?>", ErrBadLRC},
		{";1=2501120?==", ErrBadLRC},
		{";12343001120?", ErrMissingSeparator},
		{";=3001120?", ErrBadPAN},
		{";12345678901234567890=3001120?", ErrBadPAN},
		{";12a4=3001120?", ErrNonDigit},
		{";1234=3001120:1?", ErrNonDigit},
		{";1234=3013120?", ErrBadExpiry},
		{";1234=3000120?", ErrBadExpiry},
		{";1234=300?", ErrBadExpiry},
		{";1234=300112?", ErrBadServiceCode},
	}
	for _, b := range bad {
		_, err := ParseTrack2([]byte(b.line))
		if !errors.Is(err, b.want) {
			t.Errorf("ParseTrack2(%q) = %v, want %v", b.line, err, b.want)
		}
	}
}

func TestEncodeTrack2RoundTrip(t *testing.T) {
	for _, withLRC := range []bool{true, false} {
		line := EncodeTrack2("6212000011112222", "2811", "201", "998877", withLRC)
		if n := len(line); line[n-2] != '\r' || line[n-1] != '\n' {
			t.Errorf("line %q does not end in CR LF", line)
		}
		c, err := ParseTrack2(line)
		if err != nil || c.CardNo != "6212000011112222" || c.Expiry != "2028-11-30" {
			t.Errorf("round trip (LRC %v): %+v, %v", withLRC, c, err)
		}
	}
}

func FuzzParseTrack2(f *testing.F) {
	f.Add([]byte(";1=2501120?="))
	f.Add([]byte(";6212345678901234567=2402120123456789?\r\n"))
	f.Add(EncodeTrack2("11010500000001", "3012", "120", "", true))
	f.Add([]byte(";1234=3013120?"))
	f.Add([]byte("?;=?"))
	f.Fuzz(func(t *testing.T, line []byte) {
		c, err := ParseTrack2(line)
		if err != nil {
			return
		}
		if len(c.CardNo) < 1 || len(c.CardNo) > maxPAN || !isDigits(c.CardNo) {
			t.Fatalf("accepted PAN %q", c.CardNo)
		}
		if parseDate(c.Expiry).IsZero() {
			t.Fatalf("accepted expiry %q", c.Expiry)
		}
		// The accepted line without its LRC still parses; with a wrong
		// LRC it does not.
		end := bytes.IndexByte(line, endSentinel)
		if _, err := ParseTrack2(line[:end+1]); err != nil {
			t.Fatalf("without LRC: %v", err)
		}
		wrong := append(append([]byte(nil), line[:end+1]...), trackLRC(line[:end+1])^0x01)
		if _, err := ParseTrack2(wrong); !errors.Is(err, ErrBadLRC) {
			t.Fatalf("wrong LRC accepted: %v", err)
		}
	})
}

func FuzzTrack2RoundTrip(f *testing.F) {
	f.Add("6212345678901234", "3012", "120", "0042")
	f.Add("1", "0001", "000", "")
	f.Fuzz(func(t *testing.T, pan, yymm, sc, disc string) {
		valid := len(pan) >= 1 && len(pan) <= maxPAN && isDigits(pan) &&
			len(yymm) == 4 && isDigits(yymm) && yymm[2:] >= "01" && yymm[2:] <= "12" &&
			len(sc) == 3 && isDigits(sc) && isDigits(disc)
		c, err := ParseTrack2(EncodeTrack2(pan, yymm, sc, disc, true))
		if valid && (err != nil || c.CardNo != pan || c.Expiry[2:4] != yymm[:2] || c.Expiry[5:7] != yymm[2:]) {
			t.Fatalf("valid swipe %q %q %q %q: %+v, %v", pan, yymm, sc, disc, c, err)
		}
	})
}

func BenchmarkParseTrack2(b *testing.B) {
	line := EncodeTrack2("6212345678901234567", "3012", "120", "0123456789", true)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := ParseTrack2(line); err != nil {
			b.Fatal(err)
		}
	}
}
