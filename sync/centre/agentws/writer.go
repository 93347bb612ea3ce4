package agentws

import (
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"posagent/sync/wire"
)

// writeLoop is the connection's only writer: queued messages, pushes of
// signed documents the agent lacks, and pings.
func (c *conn) writeLoop() {
	defer close(c.writerDone)
	ping := c.srv.centre.Clock().NewTicker(pingInterval)
	defer ping.Stop()
	for {
		select {
		case <-c.done:
			return
		case m := <-c.out:
			if !c.writeOut(m) {
				return
			}
		case <-c.kick:
			if c.ready && !c.push() {
				return
			}
		case <-ping.C():
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(controlTimeout)); err != nil {
				c.shutdown()
				return
			}
		}
	}
}

// writeOut writes one queued message; false when the writer must stop.
func (c *conn) writeOut(m outMsg) bool {
	if err := c.write(m.data); err != nil {
		c.log.Debug("agent write failed", "err", err)
		c.shutdown()
		return false
	}
	if m.hello != nil {
		c.sent, c.ready = *m.hello, true
		if !c.push() {
			return false
		}
	}
	if m.closeCode != 0 {
		msg := websocket.FormatCloseMessage(m.closeCode, m.closeText)
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(controlTimeout))
		return false
	}
	return true
}

func (c *conn) write(data []byte) error {
	if err := c.ws.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, data)
}

// push sends the latest bundle if the agent has an older one, and every
// blocklist delta after the agent's version, in order. False when the
// connection had to end.
func (c *conn) push() bool {
	err := c.pushDocs()
	if err == nil {
		return true
	}
	c.log.Error("push signed documents", "err", err)
	// Tell the agent and end: it reconnects and is offered them again.
	if data, mErr := jsonMessage(wire.Message{Type: wire.TypeError,
		Error: &wire.Error{Code: CodeStore, Message: "centre could not send its signed documents; retry later"}}); mErr == nil {
		_ = c.write(data)
		msg := websocket.FormatCloseMessage(websocket.CloseInternalServerErr, CodeStore)
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(controlTimeout))
	}
	c.shutdown()
	return false
}

func (c *conn) pushDocs() error {
	b, err := c.srv.centre.LatestBundle(c.ctx)
	if err != nil {
		return err
	}
	if b != nil && b.Version > c.sent.bundle {
		if err := c.write(b.Message); err != nil {
			return fmt.Errorf("write bundle %d: %w", b.Version, err)
		}
		c.sent.bundle = b.Version
	}
	docs, err := c.srv.centre.SignedSince(c.ctx, wire.KindBlocklist, c.sent.blocklist)
	if err != nil {
		return fmt.Errorf("blocklist deltas after %d: %w", c.sent.blocklist, err)
	}
	for i := range docs {
		data, err := jsonMessage(wire.Message{Type: wire.TypeBlocklist, Signed: &docs[i]})
		if err != nil {
			return err
		}
		if err := c.write(data); err != nil {
			return fmt.Errorf("write blocklist %d: %w", docs[i].Version, err)
		}
		c.sent.blocklist = docs[i].Version
	}
	return nil
}
