package api

import (
	"net"
	"time"

	"posagent/sync/centre"
	"posagent/sync/centre/store"
)

// Login throttling: after throttleFree failed logins in a row for one user
// name, or from one remote address, further attempts for it are refused
// without a password check for a back-off starting at throttleBase and
// doubling with each failure up to throttleCap. A success clears the
// user's and the address's count.
const (
	throttleFree = 5
	throttleBase = time.Second
	throttleCap  = 15 * time.Minute
	throttleMax  = 4096 // keys remembered; beyond, the table starts again
)

type failures struct {
	n     int
	until time.Time
}

// CheckFrom is Check with throttling by user name and client address
// (host:port or host; web.ClientIP). A throttled attempt is not checked:
// it answers false and wait, how long until the next attempt for that
// user and address is checked (positive). A checked one answers wait 0.
func (l *Logins) CheckFrom(c *centre.Centre, u store.User, name, client, password string) (ok bool, wait time.Duration) {
	addr := client
	if host, _, err := net.SplitHostPort(client); err == nil {
		addr = host
	}
	keys := [2]string{"u:" + name, "a:" + addr}
	now := c.Now()
	l.mu.Lock()
	for _, k := range keys {
		if f, found := l.fails[k]; found && now.Before(f.until) {
			wait = max(wait, f.until.Sub(now))
		}
	}
	if wait > 0 {
		l.mu.Unlock()
		return false, wait
	}
	l.checked++
	l.mu.Unlock()
	ok = l.Check(c, u, password)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fails == nil || len(l.fails) >= throttleMax {
		l.fails = make(map[string]failures)
	}
	for _, k := range keys {
		if ok {
			delete(l.fails, k)
			continue
		}
		f := l.fails[k]
		f.n++
		if f.n >= throttleFree {
			backoff := throttleCap
			if shift := f.n - throttleFree; shift < 20 {
				backoff = min(throttleBase<<shift, throttleCap)
			}
			f.until = now.Add(backoff)
		}
		l.fails[k] = f
	}
	return ok, 0
}
