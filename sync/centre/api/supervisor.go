package api

import (
	"encoding/csv"
	"net/http"
	"time"

	"posagent/internal/web"
	"posagent/policy"
	"posagent/sync/centre"
	"posagent/sync/centre/store"
)

// TerminalStatus is one terminal as GET /api/terminals (and the console)
// shows it.
type TerminalStatus struct {
	ID               string    `json:"id"`
	Pharmacy         string    `json:"pharmacy"`
	EnrolledAt       time.Time `json:"enrolled_at"`
	AckedSeq         uint64    `json:"acked_seq"`
	LastSeen         time.Time `json:"last_seen"`
	RulesVersion     int64     `json:"rules_version"`
	RulesError       string    `json:"rules_error,omitempty"`
	BlocklistVersion int64     `json:"blocklist_version"`
	Connected        bool      `json:"connected"`
	// Flags holds JOURNAL_REPLACED while the terminal's journal mark
	// awaits a rebase; never null.
	Flags []string `json:"flags"`
	// Journal is the last JOURNAL_REPLACED mark: when and how it was seen
	// and, once resolved, the rebase (when, by whom, after which seq).
	Journal *store.JournalMark `json:"journal,omitempty"`
}

// StatusOf is a terminal as supervisors see it: its sync state, never its
// token hash.
func StatusOf(t store.Terminal, connected bool) TerminalStatus {
	return TerminalStatus{
		ID: t.ID, Pharmacy: t.Pharmacy, EnrolledAt: t.EnrolledAt, AckedSeq: t.AckedSeq,
		LastSeen: t.LastSeen, RulesVersion: t.RulesVersion, RulesError: t.RulesError,
		BlocklistVersion: t.BlocklistVersion, Connected: connected,
		Flags: flagsOf(t), Journal: t.Journal,
	}
}

// flagsOf lists a terminal's open flags.
func flagsOf(t store.Terminal) []string {
	if t.Journal.Open() {
		return []string{store.FlagJournalReplaced}
	}
	return []string{}
}

// handleTransactions is GET /api/transactions: the list as JSON or, with
// format=csv, as CSV (WriteTxnCSV).
func (s *Server) handleTransactions(w http.ResponseWriter, r *http.Request) {
	f, err := ParseFilter(r.URL.Query(), s.centre.Location())
	if err != nil {
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, err.Error())
		return
	}
	asCSV, _ := ParseFormat(r.URL.Query()) // checked by ParseFilter
	txns, err := s.centre.Transactions(r.Context(), f)
	if err != nil {
		s.log.Error("list transactions", "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
		return
	}
	if txns == nil {
		txns = []store.Txn{}
	}
	for i := range txns { // lists, never null, for the console
		if txns[i].Reasons == nil {
			txns[i].Reasons = []policy.Reason{}
		}
		if txns[i].Flags == nil {
			txns[i].Flags = []string{}
		}
	}
	if asCSV {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="transactions.csv"`)
		if err := WriteTxnCSV(csv.NewWriter(w), txns, s.centre.Location()); err != nil {
			s.log.Error("transactions csv", "err", err)
		}
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"transactions": txns})
}

// handleTerminals is GET /api/terminals.
func (s *Server) handleTerminals(w http.ResponseWriter, r *http.Request) {
	ts, err := s.centre.Terminals(r.Context())
	if err != nil {
		s.log.Error("list terminals", "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
		return
	}
	out := make([]TerminalStatus, 0, len(ts))
	for _, t := range ts {
		out = append(out, StatusOf(t, s.connected(t.ID)))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"terminals": out})
}

// handleAccount is GET /api/accounts/{card_no}: the account and its
// purchases in the history window, at every terminal.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	card := r.PathValue("card_no")
	if err := centre.CheckCardNo(card); err != nil {
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, "card_no "+card+": "+err.Error())
		return
	}
	info, err := s.centre.AccountInfo(r.Context(), card, "")
	if err != nil {
		s.log.Error("account", "card_no", card, "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
		return
	}
	if !info.Found {
		codes.Write(w, http.StatusNotFound, centre.CodeNotFound, "no account for card "+card)
		return
	}
	web.WriteJSON(w, http.StatusOK, info)
}
