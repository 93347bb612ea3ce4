package centre

import (
	"net/http"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
)

// TerminalStatus is one terminal as GET /api/terminals shows it.
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
}

// handleTransactions is GET /api/transactions.
func (s *Server) handleTransactions(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query(), time.Local)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadParam, err.Error())
		return
	}
	txns, err := s.cfg.Store.Transactions(r.Context(), f)
	if err != nil {
		s.cfg.Logger.Error("list transactions", "err", err)
		writeError(w, http.StatusInternalServerError, codeInternal, "centre storage error")
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
	writeJSON(w, http.StatusOK, map[string]any{"transactions": txns})
}

// handleTerminals is GET /api/terminals.
func (s *Server) handleTerminals(w http.ResponseWriter, r *http.Request) {
	ts, err := s.cfg.Store.Terminals(r.Context())
	if err != nil {
		s.cfg.Logger.Error("list terminals", "err", err)
		writeError(w, http.StatusInternalServerError, codeInternal, "centre storage error")
		return
	}
	out := make([]TerminalStatus, 0, len(ts))
	for _, t := range ts {
		out = append(out, TerminalStatus{
			ID: t.ID, Pharmacy: t.Pharmacy, EnrolledAt: t.EnrolledAt, AckedSeq: t.AckedSeq,
			LastSeen: t.LastSeen, RulesVersion: t.RulesVersion, RulesError: t.RulesError,
			BlocklistVersion: t.BlocklistVersion, Connected: s.Connected(t.ID),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"terminals": out})
}

// handleAccount is GET /api/accounts/{card_no}: the account and its
// purchases in the history window, at every terminal.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	card := r.PathValue("card_no")
	if err := checkCardNo(card); err != nil {
		writeError(w, http.StatusBadRequest, codeBadParam, "card_no "+card+": "+err.Error())
		return
	}
	info, err := s.accountInfo(r.Context(), card, "")
	if err != nil {
		s.cfg.Logger.Error("account", "card_no", card, "err", err)
		writeError(w, http.StatusInternalServerError, codeInternal, "centre storage error")
		return
	}
	s.metrics.lookup(lookupSupervisor)
	if !info.Found {
		writeError(w, http.StatusNotFound, codeNotFound, "no account for card "+card)
		return
	}
	writeJSON(w, http.StatusOK, info)
}
