package client

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"posagent/sync/wire"
)

// handshake sends hello and reads welcome, both within DialTimeout.
func (s *session) handshake() (wire.Welcome, error) {
	cfg := s.c.cfg
	rules, blocklist := cfg.Handler.Versions()
	hello := wire.Hello{
		Terminal: cfg.Terminal, LastSeq: cfg.Outbox.LastSeq(),
		RulesVersion: rules, BlocklistVersion: blocklist, AgentVersion: cfg.AgentVersion,
	}
	data, err := json.Marshal(wire.Message{Type: wire.TypeHello, Hello: &hello})
	if err != nil {
		return wire.Welcome{}, fmt.Errorf("encode hello: %w", err)
	}
	// A socket deadline: a wall-clock instant, whatever cfg.Clock is.
	deadline := time.Now().Add(cfg.DialTimeout)
	_ = s.ws.SetWriteDeadline(deadline)
	if err := s.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		return wire.Welcome{}, fmt.Errorf("send hello: %w", err)
	}
	_ = s.ws.SetReadDeadline(deadline)
	_, data, err = s.ws.ReadMessage()
	if err != nil {
		return wire.Welcome{}, fmt.Errorf("read welcome: %w", err)
	}
	s.c.touch()
	m, err := decodeCentre(data)
	switch {
	case err != nil:
		return wire.Welcome{}, fmt.Errorf("read welcome: %w", err)
	case m.Type == wire.TypeError:
		return wire.Welcome{}, fmt.Errorf("hello refused: %w", &CentreError{Code: m.Error.Code, Message: m.Error.Message})
	case m.Type != wire.TypeWelcome:
		return wire.Welcome{}, fmt.Errorf("read welcome: centre sent %q first", m.Type)
	}
	s.extra = m.Extra
	return *m.Welcome, nil
}

// adopt takes the centre's acked seq as the outbox cursor. The centre is
// authoritative, except that it cannot have applied entries this journal
// never wrote: that journal is not the one the centre knows (wiped, or an
// older copy), and syncing it would lose its sales silently, so the
// connection is refused with ErrJournalReplaced; the centre marks the
// terminal JOURNAL_REPLACED. Once an operator rebased the terminal at the
// centre, the welcome carries where an empty journal continues, and an
// Outbox that is a Rebaser starts there.
func (c *Client) adopt(w wire.Welcome) error {
	ob := c.cfg.Outbox
	if last := ob.LastSeq(); w.AckedSeq > last {
		rb, ok := ob.(Rebaser)
		if w.Rebase == nil || w.Rebase.Seq != w.AckedSeq || last != 0 || !ok {
			return fmt.Errorf("centre has applied entries up to seq %d, the journal ends at %d: %w",
				w.AckedSeq, last, ErrJournalReplaced)
		}
		if err := rb.Rebase(w.Rebase.Seq, w.Rebase.Hash); err != nil {
			return fmt.Errorf("rebase the journal at seq %d: %w", w.Rebase.Seq, err)
		}
		c.log.Warn("journal rebased: it continues after the centre's acked seq", "seq", w.Rebase.Seq)
	}
	if prev := ob.Acked(); w.AckedSeq != prev {
		if w.AckedSeq < prev {
			c.log.Warn("centre acknowledged less than the journal recorded; sending again from there",
				"centre_acked", w.AckedSeq, "journal_acked", prev)
		}
		if err := ob.SetAcked(w.AckedSeq); err != nil {
			return fmt.Errorf("record welcome acked seq %d: %w", w.AckedSeq, err)
		}
	}
	return nil
}

// attach makes s the live session.
func (c *Client) attach(s *session, w wire.Welcome) {
	now := c.cfg.Clock.Now()
	c.mu.Lock()
	c.sess = s
	c.epoch++
	if c.connected > 0 {
		c.status.Reconnects++
	}
	c.connected++
	c.status.AckedSeq = w.AckedSeq
	c.status.LastSync = now
	c.status.LastError = ""
	c.status.JournalReplaced = false
	c.broadcast()
	c.mu.Unlock()
	c.log.Info("connected to centre", "acked_seq", w.AckedSeq, "last_seq", c.cfg.Outbox.LastSeq(),
		"centre_rules_version", w.RulesVersion, "centre_blocklist_version", w.BlocklistVersion)
}

// detach marks the client offline, with the reason, in one step so Status
// never shows a disconnection without one; waiters on s give up with
// ErrOffline.
func (c *Client) detach(s *session, why error) {
	c.mu.Lock()
	if c.sess == s {
		c.sess = nil
		c.epoch++
		if why != nil {
			c.status.LastError = why.Error()
		}
		c.broadcast()
	}
	c.mu.Unlock()
}
