package policy

import "time"

// checkStale trips, offline, when the newer of the bundle's issue time and
// the last contact with the centre is more than stale_after_h ago.
func (e *evaluation) checkStale() {
	if !e.in.Offline {
		return
	}
	ref := e.b.IssuedAt
	if e.in.LastContact.After(ref) {
		ref = e.in.LastContact
	}
	age := e.in.Now.Sub(ref)
	if age <= e.rules.StaleAfter() {
		return
	}
	e.addTxn(RulesStale, map[string]any{
		"age_h": int64(age / time.Hour), "stale_after_h": e.rules.StaleAfterH,
		"issued_at": formatTime(e.b.IssuedAt), "last_contact": formatTime(e.in.LastContact),
	})
}

// formatTime writes t in RFC 3339, or "" when zero.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}
