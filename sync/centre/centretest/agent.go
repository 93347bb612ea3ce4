package centretest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"posagent/sync/wire"
)

// DialAgent opens an agent websocket at url with the given credentials
// (an empty one is not sent).
func DialAgent(url, terminal, token string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if terminal != "" {
		h.Set(wire.HeaderTerminal, terminal)
	}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	return d.Dial(url, h)
}

// Dial opens an agent websocket to the centre.
func (c *Centre) Dial(terminal, token string) (*websocket.Conn, *http.Response, error) {
	return DialAgent(c.WSURL(), terminal, token)
}

// Agent is the test's side of one agent websocket: it speaks the
// protocol message by message, so a test can also break it.
type Agent struct {
	T  testing.TB
	WS *websocket.Conn
	ID string // the terminal
}

// Connect dials as terminal and returns the agent, before hello. The
// connection is closed when the test ends.
func (c *Centre) Connect(terminal, token string) *Agent {
	c.T.Helper()
	ws, _, err := c.Dial(terminal, token)
	if err != nil {
		c.T.Fatalf("dial %s: %v", terminal, err)
	}
	c.T.Cleanup(func() { ws.Close() })
	return &Agent{T: c.T, WS: ws, ID: terminal}
}

// Send sends a message.
func (a *Agent) Send(m wire.Message) {
	a.T.Helper()
	if err := a.WS.WriteJSON(m); err != nil {
		a.T.Fatalf("send %s: %v", m.Type, err)
	}
}

// Recv reads the next message, failing the test after 5 s.
func (a *Agent) Recv() wire.Message {
	a.T.Helper()
	m, err := a.TryRecv(5 * time.Second)
	if err != nil {
		a.T.Fatalf("recv: %v", err)
	}
	return m
}

// TryRecv reads the next message, waiting at most wait.
func (a *Agent) TryRecv(wait time.Duration) (wire.Message, error) {
	_ = a.WS.SetReadDeadline(time.Now().Add(wait))
	var m wire.Message
	_, data, err := a.WS.ReadMessage()
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("decode %q: %w", data, err)
	}
	return m, nil
}

// Expect reads the next message and checks its type.
func (a *Agent) Expect(typ string) wire.Message {
	a.T.Helper()
	m := a.Recv()
	if m.Type != typ {
		a.T.Fatalf("got %s message %+v, want %s", m.Type, m, typ)
	}
	return m
}

// Hello sends hello with the given versions and returns the welcome.
func (a *Agent) Hello(lastSeq uint64, rules, blocklist int64) wire.Welcome {
	a.T.Helper()
	a.Send(wire.Message{Type: wire.TypeHello, Hello: &wire.Hello{Terminal: a.ID, LastSeq: lastSeq,
		RulesVersion: rules, BlocklistVersion: blocklist}})
	return *a.Expect(wire.TypeWelcome).Welcome
}

// SendEntries sends a batch and returns its ack.
func (a *Agent) SendEntries(entries []wire.Entry) wire.Ack {
	a.T.Helper()
	a.Send(wire.Message{Type: wire.TypeEntries, Entries: entries})
	return *a.Expect(wire.TypeAck).Ack
}

// Lookup sends account_req for card and returns the answer, decoded and
// as the bytes the centre sent (to check what it does not contain).
func (a *Agent) Lookup(id, card string) (wire.Message, []byte) {
	a.T.Helper()
	return a.LookupRead(id, card, "")
}

// LookupRead is Lookup saying the resident id read from the card.
func (a *Agent) LookupRead(id, card, personID string) (wire.Message, []byte) {
	a.T.Helper()
	return a.LookupWith(id, card, personID, nil)
}

// LookupNonce asks for a look-up nonce and returns the answer.
func (a *Agent) LookupNonce(id string) wire.Message {
	a.T.Helper()
	a.Send(wire.Message{Type: wire.TypeLookupNonceReq, ID: id})
	m := a.Expect(wire.TypeLookupNonce)
	if m.ID != id {
		a.T.Fatalf("lookup_nonce %q answers %q", m.ID, id)
	}
	return m
}

// LookupWith is LookupRead carrying a proof of the card's presence.
func (a *Agent) LookupWith(id, card, personID string, proof *wire.LookupProof) (wire.Message, []byte) {
	a.T.Helper()
	a.Send(wire.Message{Type: wire.TypeAccountReq, ID: id, CardNo: card, PersonID: personID, CardProof: proof})
	_ = a.WS.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := a.WS.ReadMessage()
	if err != nil {
		a.T.Fatalf("look-up %s: %v", card, err)
	}
	var m wire.Message
	if err := json.Unmarshal(data, &m); err != nil {
		a.T.Fatalf("look-up %s: decode %q: %v", card, data, err)
	}
	if m.Type != wire.TypeAccount || m.ID != id {
		a.T.Fatalf("look-up %s: got %s message %q, want the account answer %s", card, m.Type, data, id)
	}
	return m, data
}

// Voucher sends voucher_req for an e-voucher token and returns the
// answer, decoded and as the bytes the centre sent.
func (a *Agent) Voucher(id, token string) (wire.Message, []byte) {
	a.T.Helper()
	a.Send(wire.Message{Type: wire.TypeVoucherReq, ID: id, Token: token})
	_ = a.WS.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := a.WS.ReadMessage()
	if err != nil {
		a.T.Fatalf("voucher %s: %v", id, err)
	}
	var m wire.Message
	if err := json.Unmarshal(data, &m); err != nil {
		a.T.Fatalf("voucher %s: decode %q: %v", id, data, err)
	}
	if m.Type != wire.TypeVoucher || m.ID != id || m.Voucher == nil {
		a.T.Fatalf("voucher %s: got %s message %q, want the voucher answer", id, m.Type, data)
	}
	return m, data
}

// Reconcile sends a day summary and returns the centre's answer.
func (a *Agent) Reconcile(id string, sum wire.DaySummary) wire.DayResult {
	a.T.Helper()
	a.Send(wire.Message{Type: wire.TypeReconcile, ID: id, Reconcile: &sum})
	m := a.Expect(wire.TypeReconciled)
	if m.ID != id || m.Reconciled == nil {
		a.T.Fatalf("reconciled %+v, want id %s with a result", m, id)
	}
	return *m.Reconciled
}

// ExpectClosedWith reads an error message with code and then the close.
func (a *Agent) ExpectClosedWith(code string) {
	a.T.Helper()
	m := a.Expect(wire.TypeError)
	if m.Error == nil || m.Error.Code != code {
		a.T.Fatalf("error %+v, want code %s", m.Error, code)
	}
	a.ExpectClosed()
}

// ExpectClosed checks the next read ends the connection.
func (a *Agent) ExpectClosed() {
	a.T.Helper()
	m, err := a.TryRecv(5 * time.Second)
	if err == nil {
		a.T.Fatalf("got %s message, want the connection closed", m.Type)
	}
	if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
		a.T.Fatalf("connection still open after 5 s")
	}
}
