package centre

import (
	"net/http"

	"posagent/sync/wire"
)

// terminalRow is one terminal on the terminals page.
type terminalRow struct {
	TerminalStatus
	Behind bool // runs an older bundle than the latest published
}

// terminalsData is what the terminals page shows.
type terminalsData struct {
	Latest int64 // the latest bundle version published; 0: none
	Rows   []terminalRow
}

// consoleTerminals is GET /console/terminals.
func (s *Server) consoleTerminals(w http.ResponseWriter, c *consoleRequest) {
	ctx := c.r.Context()
	latest, err := s.latestVersion(ctx, wire.KindBundle)
	if err != nil {
		s.cfg.Logger.Error("console: latest bundle", "err", err)
		s.consoleMessage(w, c, http.StatusInternalServerError, "terminals_title", c.lang.T("storage_error"))
		return
	}
	ts, err := s.cfg.Store.Terminals(ctx)
	if err != nil {
		s.cfg.Logger.Error("console: list terminals", "err", err)
		s.consoleMessage(w, c, http.StatusInternalServerError, "terminals_title", c.lang.T("storage_error"))
		return
	}
	data := terminalsData{Latest: latest, Rows: make([]terminalRow, 0, len(ts))}
	for _, t := range ts {
		data.Rows = append(data.Rows, terminalRow{
			TerminalStatus: TerminalStatus{ID: t.ID, Pharmacy: t.Pharmacy, EnrolledAt: t.EnrolledAt,
				AckedSeq: t.AckedSeq, LastSeen: t.LastSeen, RulesVersion: t.RulesVersion, RulesError: t.RulesError,
				BlocklistVersion: t.BlocklistVersion, Connected: s.Connected(t.ID)},
			Behind: t.RulesVersion < latest,
		})
	}
	s.renderConsole(w, http.StatusOK, "terminals.html", c.page("terminals_title", "terminals", data))
}
