// Package netproxy is a loopback TCP proxy for fault-injection tests. It
// forwards every connection it accepts to one target and, on demand, cuts
// the open connections, refuses new ones, or silently drops the bytes in
// flight (a black hole, as when a cable is pulled). It owns nothing but its
// own sockets; production code does not use it.
package netproxy

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// dialTimeout bounds the proxy's dial to its target.
const dialTimeout = 5 * time.Second

// Proxy forwards TCP connections from Addr to a target. Its methods are safe
// for concurrent use.
type Proxy struct {
	target string
	ln     net.Listener
	hole   atomic.Bool // drop bytes instead of forwarding them

	mu       sync.Mutex
	down     bool
	closed   bool
	links    map[*link]struct{}
	accepted int

	wg sync.WaitGroup
}

// link is one proxied connection: the client's side and the target's side.
type link struct {
	client, target net.Conn
	once           sync.Once
}

func (l *link) close() {
	l.once.Do(func() {
		l.client.Close()
		l.target.Close()
	})
}

// New starts a proxy listening on 127.0.0.1 at a free port and forwarding to
// target (host:port).
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("netproxy: listen: %w", err)
	}
	p := &Proxy{target: target, ln: ln, links: make(map[*link]struct{})}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr is the proxy's listening address, host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every open connection (both sides) and reports how many there
// were. New connections are still accepted unless the proxy is down.
func (p *Proxy) Cut() int {
	p.mu.Lock()
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		l.close()
	}
	return len(links)
}

// SetDown takes the proxy down (true: open connections are cut and new ones
// are closed as soon as they are accepted) or brings it back up (false).
func (p *Proxy) SetDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
	if down {
		p.Cut()
	}
}

// SetBlackhole makes the proxy drop every byte in both directions while
// keeping the connections open (true), or forward again (false). Bytes
// dropped meanwhile are lost, as on a broken link.
func (p *Proxy) SetBlackhole(on bool) { p.hole.Store(on) }

// Active is the number of connections open through the proxy now.
func (p *Proxy) Active() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// Accepted is the number of connections accepted since New, including those
// refused while down.
func (p *Proxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// Close stops listening, cuts every connection and waits for the proxy's
// goroutines to end.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.Cut()
	p.wg.Wait()
	if err != nil {
		return fmt.Errorf("netproxy: close: %w", err)
	}
	return nil
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // listener closed
		}
		p.mu.Lock()
		p.accepted++
		refuse := p.down || p.closed
		p.mu.Unlock()
		if refuse {
			resetClose(c)
			continue
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve dials the target for one accepted connection and copies both ways
// until either side ends or the link is cut.
func (p *Proxy) serve(c net.Conn) {
	defer p.wg.Done()
	t, err := net.DialTimeout("tcp", p.target, dialTimeout)
	if err != nil {
		resetClose(c)
		return
	}
	l := &link{client: c, target: t}
	p.mu.Lock()
	if p.down || p.closed {
		p.mu.Unlock()
		l.close()
		return
	}
	p.links[l] = struct{}{}
	p.mu.Unlock()

	done := make(chan struct{}, 2)
	go func() { p.pipe(t, c); l.close(); done <- struct{}{} }()
	go func() { p.pipe(c, t); l.close(); done <- struct{}{} }()
	<-done
	<-done
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
}

// pipe copies src to dst, dropping what it reads while the proxy is a black
// hole. It returns when either side fails.
func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.hole.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // EOF or a closed side: the link ends either way
		}
	}
}

// resetClose closes c with an RST rather than a FIN, as a refused or broken
// connection looks to its peer.
func resetClose(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}
