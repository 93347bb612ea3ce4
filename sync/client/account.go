package client

import (
	"context"
	"fmt"

	"posagent/sync/wire"
)

// Account asks the centre for a card's account and recent purchases. It
// returns ErrOffline at once when not connected and when the connection is
// lost before the answer; otherwise it waits for the answer or ctx.
func (c *Client) Account(ctx context.Context, cardNo, personID string) (wire.AccountInfo, error) {
	s := c.current()
	if s == nil {
		return wire.AccountInfo{}, ErrOffline
	}
	return s.account(ctx, c.newID(), cardNo, personID)
}

// accountAnswer is the centre's answer to one account request.
type accountAnswer struct {
	info wire.AccountInfo
	err  error
}

// account asks the centre for one card's account and waits for the answer.
func (s *session) account(ctx context.Context, id, cardNo, personID string) (wire.AccountInfo, error) {
	a, err := call(ctx, s, &s.accounts, wire.Message{Type: wire.TypeAccountReq, ID: id, CardNo: cardNo, PersonID: personID})
	if err != nil {
		return wire.AccountInfo{}, err
	}
	return a.info, a.err
}

// answer delivers an account message to the request waiting for it.
func (s *session) answer(m wire.Message) {
	var a accountAnswer
	switch {
	case m.Error != nil:
		a.err = fmt.Errorf("account look-up: %w", &CentreError{Code: m.Error.Code, Message: m.Error.Message})
	case m.Account != nil:
		a.info = *m.Account
	}
	if !s.accounts.deliver(m.ID, a) {
		s.c.log.Debug("account answer nobody waits for", "id", m.ID)
	}
}
