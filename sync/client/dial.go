package client

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"

	"posagent/sync/wire"
)

// dial opens the websocket to the centre, authenticated as the terminal.
// A 401 or 403 answer is reported as ErrTokenRefused.
func (c *Client) dial(ctx context.Context) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()
	var guard dialGuard
	d := websocket.Dialer{
		Proxy:           http.ProxyFromEnvironment,
		NetDialContext:  guard.dialer(ctx),
		TLSClientConfig: c.cfg.TLSConfig,
		ReadBufferSize:  64 << 10,
		WriteBufferSize: 64 << 10,
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+c.cfg.Token)
	h.Set(wire.HeaderTerminal, c.cfg.Terminal)

	ws, resp, err := d.DialContext(ctx, c.url, h)
	guard.release()
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if resp != nil {
			switch resp.StatusCode {
			case http.StatusUnauthorized, http.StatusForbidden:
				return nil, fmt.Errorf("dial %s: HTTP %d: %w (check the terminal id and token from centre enrol)",
					c.url, resp.StatusCode, ErrTokenRefused)
			}
			return nil, fmt.Errorf("dial %s: centre answered HTTP %d: %w", c.url, resp.StatusCode, err)
		}
		return nil, fmt.Errorf("dial %s: %w", c.url, err)
	}
	ws.SetReadLimit(wire.MaxCentreMessage)
	return ws, nil
}

// dialGuard closes the connections a dial opened if its context ends
// before the upgrade finishes: gorilla turns the context into a deadline
// only, so without it a cancel would wait for DialTimeout.
type dialGuard struct {
	mu    sync.Mutex
	stops []func() bool
}

// dialer returns a NetDialContext that watches ctx for every connection.
func (g *dialGuard) dialer(ctx context.Context) func(context.Context, string, string) (net.Conn, error) {
	return func(dctx context.Context, network, addr string) (net.Conn, error) {
		var nd net.Dialer
		nc, err := nd.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { nc.Close() })
		g.mu.Lock()
		g.stops = append(g.stops, stop)
		g.mu.Unlock()
		return nc, nil
	}
}

// release stops watching, once the dial has returned: from then on the
// session owns the connection.
func (g *dialGuard) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, stop := range g.stops {
		stop()
	}
	g.stops = nil
}
