package reader

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestReaderAcceptDebounceWindow(t *testing.T) {
	r, err := New(Config{Port: "/dev/null", Format: FormatTrack2, Debounce: DefaultDebounce})
	if err != nil {
		t.Fatal(err)
	}
	t0 := mustTime(t, "2025-03-01T10:00:00Z")
	steps := []struct {
		card string
		at   float64 // seconds after t0
		want bool
	}{
		{"A", 0, true},
		{"A", 1.9, false}, // within 2 s of the accepted read
		{"B", 1.9, true},
		{"A", 2.0, true}, // 2 s after the accepted read at 0
		{"A", 3.5, false},
		{"B", 3.5, false}, // 1.6 s after B's accepted read
		{"B", 3.9, true},
	}
	for _, s := range steps {
		at := t0.Add(seconds(s.at))
		if got := r.accept(s.card, at); got != s.want {
			t.Errorf("accept(%s at +%vs) = %v, want %v", s.card, s.at, got, s.want)
		}
	}
	r.forget()
	if !r.accept("A", t0.Add(seconds(3.6))) {
		t.Errorf("after forget, a repeated read must be a new swipe")
	}
}

func TestConfigValidateNamesField(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Format: FormatTrack2}, "Port"},
		{Config{Port: "/dev/x", Format: "ascii"}, "Format"},
		{Config{Port: "/dev/x", Format: FormatFrame, Baud: 1234}, "Baud"},
		{Config{Port: "/dev/x", Format: FormatFrame, Debounce: -1}, "Debounce"},
		{Config{Port: "/dev/x", Format: FormatFrame, MinBackoff: 3e9}, "MinBackoff"},
	}
	for _, c := range cases {
		err := c.cfg.Validate()
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("Validate(%+v) = %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
	if err := (Config{Port: "/dev/x", Format: FormatFrame}).Validate(); err != nil {
		t.Errorf("minimal config: %v", err)
	}
	if _, err := New(Config{Port: "/dev/x", Format: "x"}); !errors.Is(err, ErrBadFormat) {
		t.Errorf("New with a bad format = %v, want ErrBadFormat", err)
	}
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
