package cashier

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"posagent/agent"
	"posagent/reader"
)

// StatusView is the terminal's state for the page's header.
type StatusView struct {
	Terminal        string `json:"terminal"`
	CentreConnected bool   `json:"centre_connected"`
	RulesVersion    int64  `json:"rules_version"`
	RulesStale      bool   `json:"rules_stale"`
	ReaderState     string `json:"reader_state"`
	Unsynced        uint64 `json:"unsynced"`
	OfflineExposure Money  `json:"offline_exposure"`
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	st := h.agent.Status()
	writeJSON(w, http.StatusOK, StatusView{
		Terminal: st.Terminal, CentreConnected: st.Centre.Connected, RulesVersion: st.Rules.Version,
		RulesStale: st.Rules.Stale, ReaderState: st.Reader.State, Unsynced: st.Backlog.Unsynced,
		OfflineExposure: moneyOf(st.OfflineExposure.TerminalFen),
	})
}

// card answers the card in the reader, or 404 NO_CARD.
func (h *Handler) card(w http.ResponseWriter, r *http.Request) {
	c, ok := h.agent.CurrentCard()
	if !ok {
		e := agent.NewError(agent.CodeNoCard)
		e.Status = http.StatusNotFound // here it is a state, not a conflict
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// item looks a barcode (?barcode=) or a code (?code=) up in the active
// catalogue.
func (h *Handler) item(w http.ResponseWriter, r *http.Request) {
	b := h.agent.Bundle()
	if b == nil {
		writeError(w, agent.NewError(agent.CodeNoRules))
		return
	}
	q := r.URL.Query()
	code := strings.TrimSpace(q.Get("code"))
	barcode := strings.TrimSpace(q.Get("barcode"))
	if code == "" && barcode != "" {
		code, _ = b.Catalogue.CodeForBarcode(barcode)
	}
	it, ok := b.Catalogue.Item(code)
	if !ok {
		asked := barcode
		if asked == "" {
			asked = code
		}
		writeError(w, pageError(http.StatusNotFound, CodeItemUnknown,
			"“"+asked+"” is not in the insurance catalogue; it can only be paid in cash",
			"“"+asked+"”不在医保目录中，只能现金支付"))
		return
	}
	writeJSON(w, http.StatusOK, itemView(it, b.Rules))
}

var upgrader = websocket.Upgrader{
	// The default CheckOrigin: the Origin must be this host, so no other
	// site's page can open the stream with the cashier's cookie.
	CheckOrigin: nil,
}

// events streams the reader's events to the page, one JSON object per
// message, as GET /v1/events does for a POS.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered
	}
	defer conn.Close()
	events, stop := h.agent.Subscribe()
	defer stop()
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		conn.SetReadLimit(1024)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok || !h.sendEvent(conn, ev) {
				return
			}
		case <-ping.C:
			if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(5*time.Second)) != nil {
				return
			}
		case <-gone:
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (h *Handler) sendEvent(conn *websocket.Conn, ev reader.Event) bool {
	conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return conn.WriteJSON(ev) == nil
}
