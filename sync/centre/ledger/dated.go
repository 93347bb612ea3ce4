package ledger

import "time"

// Codes for a record dated outside what the centre finds plausible
// (issue 9 §1). Not yet wire flags: nothing acts on them until holds exist.
const (
	CodeFutureDated = "FUTURE_DATED"
	CodeBackdated   = "BACKDATED"
)

// Defaults for CheckDated: the clock skew a terminal may have, and the
// staleness window used when the record's rules give none (StaleAfterH 0).
const (
	DefaultSkew      = 5 * time.Minute
	DefaultStaleness = 7 * 24 * time.Hour
)

// CheckDated reports a record dated later than received + skew
// (FUTURE_DATED) or earlier than received - staleness (BACKDATED): an
// offline sale cannot be older than the rules it was judged by may stay
// usable offline. staleAfterH is the bundle's StaleAfterH; 0 means
// DefaultStaleness. Pure: the caller passes the receipt time.
func CheckDated(at, received time.Time, staleAfterH int64) *Finding {
	window := DefaultStaleness
	if staleAfterH > 0 {
		window = time.Duration(staleAfterH) * time.Hour
	}
	ev := map[string]int64{
		"at_unix": at.Unix(), "received_unix": received.Unix(),
		"skew_s": int64(DefaultSkew / time.Second), "window_s": int64(window / time.Second),
	}
	switch {
	case at.After(received.Add(DefaultSkew)):
		return &Finding{Code: CodeFutureDated, Evidence: ev, Detail: "dated after receipt + skew"}
	case at.Before(received.Add(-window)):
		return &Finding{Code: CodeBackdated, Evidence: ev, Detail: "dated before receipt - staleness window"}
	}
	return nil
}
