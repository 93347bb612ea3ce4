package scenario

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"posagent/sync/wire"
)

// relay is a man in the middle on the pharmacy's network: a websocket
// endpoint the agent dials instead of the centre. It passes every message
// both ways unchanged and can slip in messages of its own towards the
// agent, as an attacker replaying or corrupting the centre's documents
// would. The agent's answers still reach the real centre.
type relay struct {
	centre string // ws://host:port of the real centre
	ln     net.Listener
	srv    *http.Server

	mu    sync.Mutex
	agent *websocket.Conn // the live agent side; nil when none
	wmu   sync.Mutex      // one writer towards the agent at a time
	conns []*websocket.Conn
}

// newRelay starts a relay to the centre at base (ws://host:port); it stops
// when the test ends.
func newRelay(t *testing.T, base string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{centre: base, ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+wire.AgentPath, r.serve)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go r.srv.Serve(ln)
	t.Cleanup(r.close)
	return r
}

// URL is the base URL agents are given instead of the centre's.
func (r *relay) URL() string { return "ws://" + r.ln.Addr().String() }

func (r *relay) serve(w http.ResponseWriter, req *http.Request) {
	h := http.Header{}
	for _, k := range []string{"Authorization", wire.HeaderTerminal} {
		h.Set(k, req.Header.Get(k))
	}
	up, resp, err := websocket.DefaultDialer.Dial(r.centre+wire.AgentPath, h)
	if err != nil {
		code := http.StatusBadGateway
		if resp != nil {
			code = resp.StatusCode
		}
		http.Error(w, "relay: "+err.Error(), code)
		return
	}
	down, err := (&websocket.Upgrader{}).Upgrade(w, req, nil)
	if err != nil {
		up.Close()
		return
	}
	r.mu.Lock()
	r.agent = down
	r.conns = append(r.conns, up, down)
	r.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { pipe(up, down, nil); done <- struct{}{} }()    // agent → centre
	go func() { pipe(down, up, &r.wmu); done <- struct{}{} }() // centre → agent
	<-done
	up.Close()
	down.Close()
	r.mu.Lock()
	if r.agent == down {
		r.agent = nil
	}
	r.mu.Unlock()
}

// pipe copies data messages from src to dst until either fails; wmu, when
// set, is held around each write.
func pipe(dst, src *websocket.Conn, wmu *sync.Mutex) {
	for {
		typ, data, err := src.ReadMessage()
		if err != nil {
			return
		}
		if wmu != nil {
			wmu.Lock()
		}
		err = dst.WriteMessage(typ, data)
		if wmu != nil {
			wmu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// inject sends m to the agent as if the centre had sent it.
func (r *relay) inject(m wire.Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	r.mu.Lock()
	down := r.agent
	r.mu.Unlock()
	if down == nil {
		return errors.New("relay: no agent connected")
	}
	r.wmu.Lock()
	defer r.wmu.Unlock()
	return down.WriteMessage(websocket.TextMessage, data)
}

func (r *relay) close() {
	r.srv.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
}
