package api

import (
	"net/url"
	"testing"
	"time"
)

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:5": true, "[::1]:80": true, "10.0.0.2:80": false, "192.168.1.9:1": false, "junk": false} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// FuzzReconciliationQuery checks that any query the parser accepts names a
// real day, a sane limit and only known parameters.
func FuzzReconciliationQuery(f *testing.F) {
	for _, q := range []string{"", "terminal=T1&day=2025-03-03&mismatch=1", "limit=10&pharmacy=P1",
		"day=2025-02-29", "mismatch=true", "limit=10001", "x=1", "day=2025-03-03&day=2025-03-04"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := parseReconciliationFilter(q)
		if err != nil {
			return
		}
		for k, v := range q {
			if !reconciliationParams[k] || len(v) != 1 {
				t.Fatalf("accepted parameter %q = %q", k, v)
			}
		}
		if flt.Day != "" {
			if _, err := time.Parse(time.DateOnly, flt.Day); err != nil {
				t.Fatalf("accepted day %q", flt.Day)
			}
		}
		if flt.Limit < 0 || flt.Limit > MaxLimit {
			t.Fatalf("accepted limit %d", flt.Limit)
		}
	})
}
