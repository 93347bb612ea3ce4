package console

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre"
	"posagent/sync/centre/api"
	"posagent/sync/centre/store"
)

func TestEvidenceValues(t *testing.T) {
	// Evidence as it comes back from storage: JSON numbers as float64.
	var ev map[string]any
	if err := json.Unmarshal([]byte(`{"balance": 9007199254740993, "wanted": 2400, "triggers": ["SPLIT_DAILY_COUNT","OFF_HOURS"],
		"chronic": true, "days": "10.5", "ratio": 0.75}`), &ev); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range viewReasons([]policy.Reason{{Code: policy.BalanceInsufficient, Severity: policy.Review, Evidence: ev}}) {
		for _, e := range r.Evidence {
			got[e.Key] = e.Value
		}
		if r.MessageZh == "" || r.Message == "" {
			t.Error("messages not filled in from policy")
		}
	}
	for k, want := range map[string]string{
		"wanted": "2400 (¥24.00)", "triggers": "SPLIT_DAILY_COUNT, OFF_HOURS", "chronic": "true",
		"days": "10.5", "ratio": "0.75",
	} {
		if got[k] != want {
			t.Errorf("evidence %s = %q, want %q", k, got[k], want)
		}
	}
	// Past 2^53 a float cannot hold the amount; what shows is what JSON held.
	if !strings.HasPrefix(got["balance"], "9007199254740992") {
		t.Errorf("balance = %q", got["balance"])
	}
}

func TestTxnURLRoundTrips(t *testing.T) {
	at := time.Date(2025, 3, 3, 10, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	u, err := url.Parse(txnURL(store.Txn{Terminal: "T 1/é", Seq: 42, At: at}))
	if err != nil {
		t.Fatal(err)
	}
	if u.EscapedPath() != "/console/txn/T%201%2F%C3%A9/42" {
		t.Errorf("path %q", u.EscapedPath())
	}
	back, err := time.Parse(time.RFC3339Nano, u.Query().Get("at"))
	if err != nil || !back.Equal(at) {
		t.Errorf("at hint %q does not give back %v", u.Query().Get("at"), at)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                                                 "/console/",
		"/console/terminals":                               "/console/terminals",
		"/console/?flagged=1&terminal=T1":                  "/console/?flagged=1&terminal=T1",
		"https://evil.example/console/":                    "/console/",
		"//evil.example/console/":                          "/console/",
		"/\\evil.example/console/":                         "/console/",
		"/api/transactions":                                "/console/",
		"/console/../admin/publish":                        "/console/",
		"/console/login?next=/console/":                    "/console/",
		"javascript:alert(1)//console/":                    "/console/",
		"/console/\r\nSet-Cookie: x=1":                     "/console/",
		"/console/txn/T%2F1/3?at=2025-03-03T10%3A00%3A00Z": "/console/txn/T%2F1/3?at=2025-03-03T10%3A00%3A00Z",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeNext checks that whatever the login form is given as next, it
// redirects only to a console page of this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"", "/console/", "/console/terminals?lang=en", "//evil/console/", "https://x/console/",
		"/console/../x", "/\\x", "/console/%2e%2e/x", "/console/\tx", "/console//evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(got, prefix) ||
			strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n") || strings.Contains(u.Path, "..") {
			t.Fatalf("safeNext(%q) = %q: not a console page of this site", next, got)
		}
	})
}

// FuzzConsoleFilter checks the list's query parser: it never panics, and
// what it accepts is a filter the store can run (a limit in range, a
// range that is not inverted by the parser itself).
func FuzzConsoleFilter(f *testing.F) {
	for _, s := range []string{"", "flagged=1", "terminal=T1&kind=charge", "from=2025-03-03&to=2025-03-04",
		"before=2025-03-04T10:00:00.5%2B08:00&skip=3", "skip=2", "limit=0", "limit=10001", "card_no=A1&lang=en", "from=x", "kind=void&kind=quote"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, cur, err := filterOf(q, time.UTC)
		if err != nil {
			return
		}
		if cur.Skip < 0 || cur.Skip > api.MaxLimit || (cur.At.IsZero() && cur.Skip != 0) {
			t.Fatalf("%q: cursor %+v", raw, cur)
		}
		if fl.Limit < 1 || fl.Limit > api.MaxLimit {
			t.Fatalf("%q: limit %d", raw, fl.Limit)
		}
		if fl.Kind != "" && !api.RecordKinds[fl.Kind] {
			t.Fatalf("%q: kind %q accepted", raw, fl.Kind)
		}
		if fl.CardNo != "" && centre.CheckCardNo(fl.CardNo) != nil {
			t.Fatalf("%q: card %q accepted", raw, fl.CardNo)
		}
	})
}
