package console

// What the console's external tests need to see of its inside.
const (
	SessionCookie = sessionCookieName
	SessionMax    = sessionMax
	SessionIdle   = sessionIdle
)

// SessionCount is the number of sessions h holds, live or not yet swept.
func SessionCount(h *Handler) int { return h.sessions.count() }
