package centre

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/bcrypt"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

const (
	testCatalogue = "code,name,barcodes,class,category,rx,price_cap,self_pay_bp,days_per_unit,max_days,chronic_max_days,diseases,min_age,max_age,sex\n" +
		"X001,Amoxicillin,6901234567890,A,drug,1,2500,0,1,0,0,,,,\n" +
		"X002,Metformin,6901234567891,B,drug,0,0,1000,0.5,0,30,E11,,,\n"
	testRules = `{"daily_count": 3, "business_hours": "08:00-22:00"}`
)

// testCentre is a real centre: a bbolt store in a temp dir, a Server and a
// loopback HTTP listener.
type testCentre struct {
	t     testing.TB
	st    *store.Bolt
	srv   *Server
	http  *httptest.Server
	pub   ed25519.PublicKey
	token string // admin token
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newTestCentre(t testing.TB) *testCentre {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "centre.db"), store.BoltOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: st, SigningKey: priv, AdminToken: "admin-secret", Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	t.Cleanup(func() { srv.Close() })
	return &testCentre{t: t, st: st, srv: srv, http: ts, pub: pub, token: "admin-secret"}
}

func (c *testCentre) wsURL() string {
	return "ws" + strings.TrimPrefix(c.http.URL, "http") + wire.AgentPath
}

// enrol enrols a terminal and returns its token.
func (c *testCentre) enrol(terminal, pharmacy string) string {
	c.t.Helper()
	tok, err := Enrol(context.Background(), c.st, terminal, pharmacy)
	if err != nil {
		c.t.Fatal(err)
	}
	return tok
}

// accounts stores accounts with the given balances, all active.
func (c *testCentre) accounts(balances map[string]int64) {
	c.t.Helper()
	var hs []policy.Holder
	for card, bal := range balances {
		hs = append(hs, policy.Holder{CardNo: card, Name: "持卡人" + card, Status: "active", Balance: bal})
	}
	if err := c.st.ImportAccounts(context.Background(), hs); err != nil {
		c.t.Fatal(err)
	}
}

func (c *testCentre) balance(card string) int64 {
	c.t.Helper()
	h, err := c.st.Account(context.Background(), card)
	if err != nil {
		c.t.Fatal(err)
	}
	return h.Balance
}

func (c *testCentre) terminal(id string) store.Terminal {
	c.t.Helper()
	term, err := c.st.Terminal(context.Background(), id)
	if err != nil {
		c.t.Fatal(err)
	}
	return term
}

func (c *testCentre) txns(f store.Filter) []store.Txn {
	c.t.Helper()
	txns, err := c.st.Transactions(context.Background(), f)
	if err != nil {
		c.t.Fatal(err)
	}
	return txns
}

// dial opens an agent websocket with the given credentials.
func (c *testCentre) dial(terminal, token string) (*websocket.Conn, *http.Response, error) {
	return dialAgent(c.wsURL(), terminal, token)
}

// dialAgent opens an agent websocket at url.
func dialAgent(url, terminal, token string) (*websocket.Conn, *http.Response, error) {
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

// testAgent is the test's side of one agent websocket.
type testAgent struct {
	t  testing.TB
	ws *websocket.Conn
	id string
}

// connect dials as terminal and returns the agent, before hello.
func (c *testCentre) connect(terminal, token string) *testAgent {
	c.t.Helper()
	ws, _, err := c.dial(terminal, token)
	if err != nil {
		c.t.Fatalf("dial %s: %v", terminal, err)
	}
	c.t.Cleanup(func() { ws.Close() })
	return &testAgent{t: c.t, ws: ws, id: terminal}
}

func (a *testAgent) send(m wire.Message) {
	a.t.Helper()
	if err := a.ws.WriteJSON(m); err != nil {
		a.t.Fatalf("send %s: %v", m.Type, err)
	}
}

// recv reads the next message, failing the test after 5 s.
func (a *testAgent) recv() wire.Message {
	a.t.Helper()
	m, err := a.tryRecv(5 * time.Second)
	if err != nil {
		a.t.Fatalf("recv: %v", err)
	}
	return m
}

func (a *testAgent) tryRecv(wait time.Duration) (wire.Message, error) {
	_ = a.ws.SetReadDeadline(time.Now().Add(wait))
	var m wire.Message
	_, data, err := a.ws.ReadMessage()
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("decode %q: %w", data, err)
	}
	return m, nil
}

// expect reads the next message and checks its type.
func (a *testAgent) expect(typ string) wire.Message {
	a.t.Helper()
	m := a.recv()
	if m.Type != typ {
		a.t.Fatalf("got %s message %+v, want %s", m.Type, m, typ)
	}
	return m
}

// hello sends hello with the given versions and returns the welcome.
func (a *testAgent) hello(lastSeq uint64, rules, blocklist int64) wire.Welcome {
	a.t.Helper()
	a.send(wire.Message{Type: wire.TypeHello, Hello: &wire.Hello{Terminal: a.id, LastSeq: lastSeq,
		RulesVersion: rules, BlocklistVersion: blocklist}})
	return *a.expect(wire.TypeWelcome).Welcome
}

// sendEntries sends a batch and returns its ack.
func (a *testAgent) sendEntries(entries []wire.Entry) wire.Ack {
	a.t.Helper()
	a.send(wire.Message{Type: wire.TypeEntries, Entries: entries})
	return *a.expect(wire.TypeAck).Ack
}

// expectClosedWith reads an error message with code and then the close.
func (a *testAgent) expectClosedWith(code string) {
	a.t.Helper()
	m := a.expect(wire.TypeError)
	if m.Error == nil || m.Error.Code != code {
		a.t.Fatalf("error %+v, want code %s", m.Error, code)
	}
	a.expectClosed()
}

// expectClosed checks the next read ends the connection.
func (a *testAgent) expectClosed() {
	a.t.Helper()
	m, err := a.tryRecv(5 * time.Second)
	if err == nil {
		a.t.Fatalf("got %s message, want the connection closed", m.Type)
	}
	if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
		a.t.Fatalf("connection still open after 5 s")
	}
}

// chain builds properly chained entries of a terminal: one charge per
// amount, on card, from seq 1.
type chain struct {
	terminal string
	recs     []wire.Record
	entries  []wire.Entry
}

func (ch *chain) charge(t testing.TB, card string, account int64, at time.Time) wire.Entry {
	t.Helper()
	seq := uint64(len(ch.entries) + 1)
	rec := wire.Record{Terminal: ch.terminal, Seq: seq, Kind: wire.KindCharge,
		TxnID: fmt.Sprintf("%s-%d", ch.terminal, seq), At: at, CardNo: card, Cashier: "c1",
		RulesVersion: 1, Total: account, Account: account,
		Lines: []wire.Line{{Code: "X001", Qty: 1, UnitPrice: account, Amount: account, Account: account, Days: 1000}}}
	return ch.add(t, rec)
}

func (ch *chain) add(t testing.TB, rec wire.Record) wire.Entry {
	t.Helper()
	rec.Seq = uint64(len(ch.entries) + 1)
	if n := len(ch.entries); n > 0 {
		rec.PrevHash = ch.entries[n-1].Hash
	}
	e, err := wire.Seal(rec)
	if err != nil {
		t.Fatal(err)
	}
	ch.recs = append(ch.recs, rec)
	ch.entries = append(ch.entries, e)
	return e
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost // bcrypt at its real cost takes seconds under -race
	os.Exit(m.Run())
}
