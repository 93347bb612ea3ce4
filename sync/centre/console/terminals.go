package console

import (
	"net/http"

	"posagent/sync/centre/api"
	"posagent/sync/wire"
)

// terminalRow is one terminal on the terminals page.
type terminalRow struct {
	api.TerminalStatus
	Behind bool // runs an older bundle than the latest published
}

// terminalsData is what the terminals page shows.
type terminalsData struct {
	Latest int64 // the latest bundle version published; 0: none
	Rows   []terminalRow
}

// terminals is GET /console/terminals.
func (h *Handler) terminals(w http.ResponseWriter, c *request) {
	ctx := c.r.Context()
	latest, err := h.centre.LatestVersion(ctx, wire.KindBundle)
	if err != nil {
		h.log.Error("console: latest bundle", "err", err)
		h.message(w, c, http.StatusInternalServerError, "terminals_title", texts.T(c.lang, "storage_error"))
		return
	}
	ts, err := h.centre.Terminals(ctx)
	if err != nil {
		h.log.Error("console: list terminals", "err", err)
		h.message(w, c, http.StatusInternalServerError, "terminals_title", texts.T(c.lang, "storage_error"))
		return
	}
	data := terminalsData{Latest: latest, Rows: make([]terminalRow, 0, len(ts))}
	for _, t := range ts {
		data.Rows = append(data.Rows, terminalRow{
			TerminalStatus: api.StatusOf(t, h.connected(t.ID)),
			Behind:         t.RulesVersion < latest,
		})
	}
	h.render(w, http.StatusOK, "terminals.html", c.page("terminals_title", "terminals", data))
}
