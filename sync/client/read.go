package client

import (
	"errors"
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"posagent/sync/wire"
)

// readLoop reads the centre's messages until the connection fails. The read
// deadline is three ping intervals, renewed before every read and on every
// pong or ping, so a silent centre is noticed and a busy one is not.
func (s *session) readLoop() {
	wait := 3 * s.c.cfg.PingInterval
	// The read deadline is the socket's, a wall-clock instant: it notices
	// a silent network, whatever the client's clock is.
	extend := func() { _ = s.ws.SetReadDeadline(time.Now().Add(wait)) }
	s.ws.SetPongHandler(func(string) error {
		s.c.touch()
		extend()
		return nil
	})
	s.ws.SetPingHandler(func(data string) error {
		s.c.touch()
		extend()
		// A failed pong shows up as a failed read or write soon enough.
		_ = s.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(wait))
		return nil
	})
	for {
		extend()
		_, data, err := s.ws.ReadMessage()
		if err != nil {
			s.fail(fmt.Errorf("read: %w", err))
			return
		}
		s.c.touch()
		m, err := decodeCentre(data)
		if errors.Is(err, errUnknownType) {
			s.c.log.Warn("skipping message of unknown type from centre", "type", m.Type)
			continue
		}
		if err != nil {
			s.fail(err)
			return
		}
		if !s.dispatch(m) {
			return
		}
	}
}

// dispatch routes one decoded message; it reports false when the session
// has ended.
func (s *session) dispatch(m wire.Message) bool {
	switch m.Type {
	case wire.TypeAck:
		select {
		case s.acks <- *m.Ack:
		case <-s.dead:
			return false
		}
	case wire.TypeAccount:
		s.answer(m)
	case wire.TypeReconciled:
		s.answerReconcile(m)
	case wire.TypeVoucher:
		s.answerVoucher(m)
	case wire.TypeLookupNonce:
		s.answerNonce(m)
	case wire.TypeBundle, wire.TypeBlocklist:
		select {
		case s.offers <- *m.Signed:
		case <-s.dead:
			return false
		}
	case wire.TypeError:
		err := &CentreError{Code: m.Error.Code, Message: m.Error.Message}
		s.c.log.Error("centre sent an error", "code", err.Code, "message", err.Message)
		s.fail(err)
		return false
	case wire.TypeWelcome:
		s.c.log.Warn("ignoring a second welcome from centre")
	}
	return true
}
