package console

import "posagent/internal/web"

// What the console's external tests need to see of its inside.
const SessionCookie = sessionCookieName

var (
	SessionMax  = sessionLimits.MaxAge
	SessionIdle = sessionLimits.Idle
)

// SessionCount is the number of sessions h holds, live or not yet swept.
func SessionCount(h *Handler) int {
	return h.sessions.(*web.MemorySessions[sessionUser]).Len()
}
