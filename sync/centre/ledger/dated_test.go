package ledger

import (
	"testing"
	"time"
)

func TestCheckDated(t *testing.T) {
	recv := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		at     time.Time
		staleH int64
		want   string
	}{
		{"now", recv, 72, ""},
		{"within skew", recv.Add(4 * time.Minute), 72, ""},
		{"7 months ahead", recv.AddDate(0, 7, 0), 72, CodeFutureDated},
		{"offline 2 days ago", recv.Add(-48 * time.Hour), 72, ""},
		{"4 days ago, 72h rules", recv.Add(-96 * time.Hour), 72, CodeBackdated},
		{"6 days ago, default window", recv.Add(-6 * 24 * time.Hour), 0, ""},
		{"10 months back", recv.AddDate(0, -10, 0), 0, CodeBackdated},
	}
	for _, c := range cases {
		f := CheckDated(c.at, recv, c.staleH)
		got := ""
		if f != nil {
			got = f.Code
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
