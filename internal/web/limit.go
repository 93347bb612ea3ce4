package web

import (
	"net"
	"sync"
)

// LimitListener caps the connections open at once, in total and per remote
// IP. A connection over either cap is closed at once, before any byte is
// read, so one address cannot hold every slot. Zero means no cap.
func LimitListener(ln net.Listener, total, perAddr int) net.Listener {
	return &limitListener{Listener: ln, total: total, perAddr: perAddr, byAddr: map[string]int{}}
}

type limitListener struct {
	net.Listener
	total, perAddr int

	mu     sync.Mutex
	open   int
	byAddr map[string]int
}

// Accept returns the next connection within the caps; ones over a cap are
// closed and skipped.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host := hostOf(c.RemoteAddr().String())
		if l.take(host) {
			return &limitConn{Conn: c, release: func() { l.give(host) }}, nil
		}
		_ = c.Close()
	}
}

func (l *limitListener) take(host string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if (l.total > 0 && l.open >= l.total) || (l.perAddr > 0 && l.byAddr[host] >= l.perAddr) {
		return false
	}
	l.open++
	l.byAddr[host]++
	return true
}

func (l *limitListener) give(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byAddr[host]--; l.byAddr[host] <= 0 {
		delete(l.byAddr, host)
	}
}

// limitConn gives its slot back once, on the first Close.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
