package client

import (
	"context"
	"fmt"

	"posagent/sync/wire"
)

// Account asks the centre for a card's account and recent purchases. It
// returns ErrOffline at once when not connected and when the connection is
// lost before the answer; otherwise it waits for the answer or ctx.
func (c *Client) Account(ctx context.Context, cardNo string) (wire.AccountInfo, error) {
	s := c.current()
	if s == nil {
		return wire.AccountInfo{}, ErrOffline
	}
	return s.account(ctx, c.newID(), cardNo)
}

// account asks the centre for one card's account and waits for the answer.
func (s *session) account(ctx context.Context, id, cardNo string) (wire.AccountInfo, error) {
	ch := make(chan accountAnswer, 1)
	s.mu.Lock()
	s.pending[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, id)
		s.mu.Unlock()
	}()
	if err := s.send(ctx, wire.Message{Type: wire.TypeAccountReq, ID: id, CardNo: cardNo}); err != nil {
		return wire.AccountInfo{}, err
	}
	select {
	case a := <-ch:
		return a.info, a.err
	case <-s.dead:
		return wire.AccountInfo{}, ErrOffline
	case <-ctx.Done():
		return wire.AccountInfo{}, ctx.Err()
	}
}

// answer delivers an account message to the request waiting for it.
func (s *session) answer(m wire.Message) {
	s.mu.Lock()
	ch := s.pending[m.ID]
	s.mu.Unlock()
	if ch == nil {
		s.c.log.Debug("account answer nobody waits for", "id", m.ID)
		return
	}
	var a accountAnswer
	switch {
	case m.Error != nil:
		a.err = fmt.Errorf("account look-up: %w", &CentreError{Code: m.Error.Code, Message: m.Error.Message})
	case m.Account != nil:
		a.info = *m.Account
	}
	select {
	case ch <- a:
	default: // already answered
	}
}
