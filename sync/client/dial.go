package client

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gorilla/websocket"

	"posagent/sync/wire"
)

// dial opens the websocket to the centre, authenticated as the terminal.
// A 401 or 403 answer is reported as ErrTokenRefused.
func (c *Client) dial(ctx context.Context) (*websocket.Conn, error) {
	d := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: c.cfg.DialTimeout,
		TLSClientConfig:  c.cfg.TLSConfig,
		ReadBufferSize:   64 << 10,
		WriteBufferSize:  64 << 10,
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+c.cfg.Token)
	h.Set(wire.HeaderTerminal, c.cfg.Terminal)

	dctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()
	ws, resp, err := d.DialContext(dctx, c.url, h)
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
