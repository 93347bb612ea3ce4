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

// CheckFrom is Check with throttling by user name and remote address
// (host:port or host). A throttled attempt answers false without checking.
func (l *Logins) CheckFrom(c *centre.Centre, u store.User, name, remote, password string) bool {
	addr := remote
	if host, _, err := net.SplitHostPort(remote); err == nil {
		addr = host
	}
	keys := [2]string{"u:" + name, "a:" + addr}
	now := c.Now()
	l.mu.Lock()
	for _, k := range keys {
		if f, ok := l.fails[k]; ok && now.Before(f.until) {
			l.mu.Unlock()
			return false
		}
	}
	l.checked++
	l.mu.Unlock()
	ok := l.Check(c, u, password)
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
			wait := throttleCap
			if shift := f.n - throttleFree; shift < 20 {
				wait = min(throttleBase<<shift, throttleCap)
			}
			f.until = now.Add(wait)
		}
		l.fails[k] = f
	}
	return ok
}
