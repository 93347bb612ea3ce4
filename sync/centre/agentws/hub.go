package agentws

import (
	"sync"

	"github.com/gorilla/websocket"
)

// hub is the set of live agent connections, one per terminal.
type hub struct {
	mu    sync.Mutex
	conns map[string]*conn
}

// add registers c as its terminal's connection and closes the one it
// replaces, if any: a terminal has one live connection, the newest.
func (h *hub) add(c *conn) {
	h.mu.Lock()
	old := h.conns[c.terminal.ID]
	h.conns[c.terminal.ID] = c
	h.mu.Unlock()
	if old != nil {
		old.closeWith(closeReplaced, "replaced by a newer connection of the same terminal")
	}
}

// remove unregisters c unless a newer connection already replaced it.
func (h *hub) remove(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns[c.terminal.ID] == c {
		delete(h.conns, c.terminal.ID)
	}
}

func (h *hub) get(terminal string) *conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[terminal]
}

func (h *hub) all() []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*conn, 0, len(h.conns))
	for _, c := range h.conns {
		out = append(out, c)
	}
	return out
}

// kickAll tells every connection that a new signed document is stored.
func (h *hub) kickAll() {
	for _, c := range h.all() {
		c.kickPush()
	}
}

// drop closes a terminal's connection (after it was re-keyed).
func (h *hub) drop(terminal, why string) {
	if c := h.get(terminal); c != nil {
		c.closeWith(websocket.ClosePolicyViolation, why)
	}
}
