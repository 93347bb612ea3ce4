package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"posagent/sync/wire"
)

const (
	// closeGrace bounds the close frame sent when a session ends.
	closeGrace = 100 * time.Millisecond
	// minWriteWait is the least time one write may take: a 3 MiB batch on a
	// slow pharmacy line needs more than a short ping interval.
	minWriteWait = 10 * time.Second
)

// errSessionDone ends a session whose pump returned.
var errSessionDone = errors.New("session ended")

// session is one websocket connection to the centre. Three goroutines run
// while it is live: the reader (the only one reading), the writer (the only
// one calling WriteMessage; gorilla allows WriteControl for pongs and the
// close frame from any goroutine) and the offer loop (which hands signed
// documents to the Handler so a slow activation never stalls reading).
type session struct {
	c      *Client
	ws     *websocket.Conn
	out    chan []byte      // encoded messages for the writer
	acks   chan wire.Ack    // acks for the pump
	offers chan wire.Signed // bundles and blocklists for the offer loop
	dead   chan struct{}    // closed by fail
	once   sync.Once
	err    error // why the session ended; set before dead is closed
	wg     sync.WaitGroup

	extra map[string]bool // the welcome's optional features; set by handshake

	accounts pending[accountAnswer]  // account requests by id
	recons   pending[wire.DayResult] // reconcile requests by id
	vouchers pending[voucherAnswer]  // voucher requests by id
	nonces   pending[nonceAnswer]    // look-up nonce requests by id
}

func newSession(c *Client, ws *websocket.Conn) *session {
	return &session{
		c: c, ws: ws,
		out:    make(chan []byte, 16),
		acks:   make(chan wire.Ack, 4),
		offers: make(chan wire.Signed, 16),
		dead:   make(chan struct{}),
	}
}

// fail ends the session with err (the first reason wins): it says goodbye
// and closes the connection, which unblocks the reader and the writer.
func (s *session) fail(err error) {
	s.once.Do(func() {
		s.err = err
		close(s.dead)
		s.accounts.cancelAll()
		s.recons.cancelAll()
		s.vouchers.cancelAll()
		s.nonces.cancelAll()
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		// Socket deadlines here and below are wall-clock instants for
		// gorilla and the network, whatever the client's clock is.
		_ = s.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeGrace))
		s.ws.Close()
	})
}

// start runs the reader, the writer, the offer loop and the daily
// reconciliation loop (reconcile.go).
func (s *session) start() {
	s.wg.Add(4)
	go func() { defer s.wg.Done(); s.readLoop() }()
	go func() { defer s.wg.Done(); s.writeLoop() }()
	go func() { defer s.wg.Done(); s.offerLoop() }()
	go func() { defer s.wg.Done(); s.reconcileLoop() }()
}

// stop ends the session and waits for its goroutines.
func (s *session) stop() {
	s.fail(errSessionDone)
	s.wg.Wait()
}

// send queues one message for the writer. It returns ErrOffline once the
// session has ended.
func (s *session) send(ctx context.Context, m wire.Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s: %w", m.Type, err)
	}
	select {
	case s.out <- data:
		return nil
	case <-s.dead:
		return ErrOffline
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *session) writeLoop() {
	ping := s.c.cfg.Clock.NewTicker(s.c.cfg.PingInterval)
	defer ping.Stop()
	wait := max(3*s.c.cfg.PingInterval, minWriteWait)
	for {
		var err error
		select {
		case <-s.dead:
			return
		case data := <-s.out:
			_ = s.ws.SetWriteDeadline(time.Now().Add(wait))
			err = s.ws.WriteMessage(websocket.TextMessage, data)
		case <-ping.C():
			_ = s.ws.SetWriteDeadline(time.Now().Add(wait))
			err = s.ws.WriteMessage(websocket.PingMessage, nil)
		}
		if err != nil {
			s.fail(fmt.Errorf("write: %w", err))
			return
		}
	}
}
