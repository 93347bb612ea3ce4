package agentws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// Connection timing (DESIGN.md, sync protocol).
const (
	pingInterval   = 20 * time.Second
	readTimeout    = 60 * time.Second
	writeTimeout   = 60 * time.Second // a large bundle on a slow line
	controlTimeout = 5 * time.Second
	drainTimeout   = 2 * time.Second // after an error: wait for the agent's close
	// hardReadLimit is gorilla's own limit, a backstop behind the exact
	// wire.MaxAgentMessage check the read loop makes (which, unlike
	// gorilla's, can answer with an error message before closing).
	hardReadLimit = 2 * wire.MaxAgentMessage
	// closeReplaced is the close code sent to a connection that a newer
	// one of the same terminal replaced.
	closeReplaced = 4000
)

// versions is a pair of signed-document versions.
type versions struct {
	bundle, blocklist int64
}

// outMsg is one message for the writer goroutine.
type outMsg struct {
	data []byte
	// hello, set on the welcome, holds what the agent has: after writing
	// the welcome the writer starts pushing what the agent lacks.
	hello *versions
	// closeCode, when set, makes the writer send a close frame after data
	// and stop.
	closeCode int
	closeText string
}

// conn is one agent's websocket. The reader goroutine (the HTTP
// handler's) reads and answers; the writer goroutine owns every write.
type conn struct {
	srv      *Server
	ws       *websocket.Conn
	terminal store.Terminal
	log      *slog.Logger
	ctx      context.Context

	out        chan outMsg
	kick       chan struct{} // a new signed document is stored
	done       chan struct{} // closed once: the connection is over
	once       sync.Once
	writerDone chan struct{}

	// reader-owned
	helloSeen bool
	reported  versions // what the agent says it runs
	reportErr string
	acked     uint64 // the terminal's acked seq as last told to the agent
	// chainCheck is the terminal as the hello found it, until the first
	// entry past its acked seq was checked against its last hash.
	chainCheck *store.Terminal
	// nonces are the look-up nonces issued on this connection and not
	// used yet (centre.LookupNonces).
	nonces centre.LookupNonces

	// writer-owned
	ready bool     // the welcome is written
	sent  versions // newest versions the agent has or was sent
}

// ServeHTTP is GET /v1/agent: authenticate, upgrade, run the connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if !s.track() {
		codes.Write(w, http.StatusServiceUnavailable, centre.CodeUnavailable, "centre shutting down")
		return
	}
	defer s.conns.Done()
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.log.Warn("agent upgrade failed", "terminal", t.ID, "err", err)
		return // Upgrade has answered
	}
	c := &conn{
		srv: s, ws: ws, terminal: t, ctx: s.ctx,
		log: s.log.With("terminal", t.ID, "client", web.ClientIP(r)),
		out: make(chan outMsg, 16), kick: make(chan struct{}, 1),
		done: make(chan struct{}), writerDone: make(chan struct{}),
	}
	c.run()
}

// run serves the connection until it ends.
func (c *conn) run() {
	c.srv.hub.add(c)
	go c.writeLoop()
	var err error
	if c.ctx.Err() != nil {
		// Close ran before add: it did not see this connection.
		c.closeWith(websocket.CloseGoingAway, "centre shutting down")
		err = c.ctx.Err()
	} else {
		c.log.Info("agent connected")
		err = c.readLoop()
	}
	c.shutdown()
	<-c.writerDone
	c.srv.hub.remove(c)
	c.log.Info("agent disconnected", "reason", err)
}

// shutdown ends the connection at once; safe to call more than once.
func (c *conn) shutdown() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

// closeWith sends a close frame and ends the connection. Safe from any
// goroutine (gorilla allows WriteControl concurrently with writes).
//
// Here and elsewhere in this package the websocket's read and write
// deadlines are the socket's, set in wall-clock time (time.Now), not by
// the centre's clock: they bound real waits on a real network.
func (c *conn) closeWith(code int, text string) {
	msg := websocket.FormatCloseMessage(code, text)
	_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	c.shutdown()
}

// kickPush asks the writer to push newly stored documents; never blocks.
func (c *conn) kickPush() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// send hands a message to the writer; false once the connection is over.
func (c *conn) send(m outMsg) bool {
	select {
	case c.out <- m:
		return true
	case <-c.done:
		return false
	}
}

// sendMessage encodes and sends m.
func (c *conn) sendMessage(m wire.Message) error {
	data, err := jsonMessage(m)
	if err != nil {
		return err
	}
	if !c.send(outMsg{data: data}) {
		return errConnClosed
	}
	return nil
}

var errConnClosed = errors.New("connection closed")

// readLoop reads messages and answers them until an error.
func (c *conn) readLoop() error {
	c.ws.SetReadLimit(hardReadLimit)
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(readTimeout))
	})
	for {
		if err := c.ws.SetReadDeadline(time.Now().Add(readTimeout)); err != nil {
			return err
		}
		typ, r, err := c.ws.NextReader()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(io.LimitReader(r, wire.MaxAgentMessage+1))
		if err != nil {
			return err
		}
		if err := c.handleRaw(typ, data); err != nil {
			return c.fail(err)
		}
	}
}

// handleRaw decodes and handles one message.
func (c *conn) handleRaw(typ int, data []byte) error {
	if len(data) > wire.MaxAgentMessage {
		return &protoError{code: CodeTooLarge, close: websocket.CloseMessageTooBig,
			msg: fmt.Sprintf("message larger than %d bytes", wire.MaxAgentMessage)}
	}
	if typ != websocket.TextMessage {
		return badMessage("binary messages are not accepted")
	}
	var m wire.Message
	if err := json.Unmarshal(data, &m); err != nil {
		return badMessage("not a JSON message: " + err.Error())
	}
	return c.handle(m)
}

// fail answers a failed message: protocol errors get an error message and
// a close frame, then the agent has a moment to close its end.
func (c *conn) fail(err error) error {
	if errors.Is(err, errConnClosed) || errors.Is(err, errPeerError) {
		return err
	}
	var pe *protoError
	if !errors.As(err, &pe) {
		pe = &protoError{code: centre.CodeInternal, msg: "centre error; retry later", close: websocket.CloseInternalServerErr}
	}
	c.log.Warn("agent connection failed", "code", pe.code, "err", err)
	data, mErr := jsonMessage(wire.Message{Type: wire.TypeError, Error: &wire.Error{Code: pe.code, Message: pe.msg}})
	if mErr != nil {
		return errors.Join(err, mErr)
	}
	if c.send(outMsg{data: data, closeCode: pe.close, closeText: pe.code}) {
		c.drain()
	}
	return err
}

// drain reads and drops what the agent still sends until it closes or a
// short deadline passes, so the error message is not lost to a reset.
func (c *conn) drain() {
	_ = c.ws.SetReadDeadline(time.Now().Add(drainTimeout))
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return
		}
	}
}
