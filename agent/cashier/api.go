package cashier

import (
	"context"
	"net/http"
	"strings"

	"github.com/gorilla/websocket"

	"posagent/agent"
	"posagent/agent/api"
	"posagent/internal/web"
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
	// Advice is what the pharmacy must do about the link to the centre
	// (JOURNAL_REPLACED: call the centre for a rebase), in both languages.
	Advice *agent.Error `json:"advice,omitempty"`
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	st := h.agent.Status()
	web.WriteJSON(w, http.StatusOK, StatusView{
		Terminal: st.Terminal, CentreConnected: st.Centre.Connected, RulesVersion: st.Rules.Version,
		RulesStale: st.Rules.Stale, ReaderState: st.Reader.State, Unsynced: st.Backlog.Unsynced,
		OfflineExposure: moneyOf(st.OfflineExposure.TerminalFen), Advice: st.Centre.Advice,
	})
}

// card answers the card in the reader, or 404 NO_CARD.
func (h *Handler) card(w http.ResponseWriter, r *http.Request) {
	c, ok := h.agent.CurrentCard()
	if !ok {
		// Here it is a state, not a conflict: 404 rather than the API's 409.
		web.WriteJSON(w, http.StatusNotFound, agent.NewError(agent.CodeNoCard))
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
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
		writeError(w, pageError(CodeItemUnknown,
			"“"+asked+"” is not in the insurance catalogue; it can only be paid in cash",
			"“"+asked+"”不在医保目录中，只能现金支付"))
		return
	}
	web.WriteJSON(w, http.StatusOK, itemView(it, b.Rules))
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
	// Ends with the request or with the agent (h.ctx), whichever is first.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(h.ctx, cancel)
	defer stop()
	api.StreamEvents(ctx, conn, h.agent)
}
