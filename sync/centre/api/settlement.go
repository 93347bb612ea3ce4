package api

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"posagent/internal/money"
	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
)

// SettlementQuery is what a monthly settlement (清算, SPEC §11) is drawn
// up for: a pharmacy and a calendar month in the centre's time zone.
type SettlementQuery struct {
	Pharmacy string
	Month    string    // as given: YYYY-MM
	Start    time.Time // the month's first instant
	End      time.Time // the next month's first instant, exclusive
	CSV      bool      // format=csv
}

var settlementParams = map[string]bool{"pharmacy": true, "month": true, "format": true}

// ParseSettlementQuery reads the query of GET /api/settlement (and of the
// console's settlement page): pharmacy and month (YYYY-MM, a month in
// loc) are required; format is "json" (the default) or "csv".
func ParseSettlementQuery(q url.Values, loc *time.Location) (SettlementQuery, error) {
	if err := checkParams(q, settlementParams); err != nil {
		return SettlementQuery{}, err
	}
	s := SettlementQuery{Pharmacy: q.Get("pharmacy"), Month: q.Get("month")}
	if s.Pharmacy == "" {
		return s, paramError("pharmacy", ParamMissing, "pharmacy is required")
	}
	if s.Month == "" {
		return s, paramError("month", ParamMissing, "month is required")
	}
	m, err := time.ParseInLocation("2006-01", s.Month, loc)
	if err != nil {
		return s, paramError("month", ParamMalformed, "month %q: want YYYY-MM", s.Month)
	}
	s.Start, s.End = m, m.AddDate(0, 1, 0)
	switch f := q.Get("format"); f {
	case "", "json":
	case "csv":
		s.CSV = true
	default:
		return s, paramError("format", ParamMalformed, "format %q: want json or csv", f)
	}
	return s, nil
}

// TerminalStatement is one terminal's part of a settlement.
type TerminalStatement struct {
	Terminal  string           `json:"terminal"`
	Statement ledger.Statement `json:"statement"`
}

// Settlement is a pharmacy's monthly settlement, the answer of GET
// /api/settlement: the statement of all its charges and voids of the
// month (ledger.SettleMonth) and each terminal's, by terminal. The
// statement is the sum of the terminals'.
type Settlement struct {
	Pharmacy   string              `json:"pharmacy"`
	Month      string              `json:"month"`
	Statement  ledger.Statement    `json:"statement"`
	ByTerminal []TerminalStatement `json:"by_terminal"`
}

// DrawSettlement loads the records of q's pharmacy and month, paging
// through the store, and settles them per terminal (a void reverses a
// charge of its own terminal, so each terminal settles on its own).
func DrawSettlement(ctx context.Context, c *centre.Centre, q SettlementQuery) (Settlement, error) {
	txns, err := periodCharges(ctx, c, store.Filter{Pharmacy: q.Pharmacy, From: q.Start, To: q.End})
	if err != nil {
		return Settlement{}, err
	}
	byTerm := map[string][]ledger.Entry{}
	for _, t := range txns {
		byTerm[t.Terminal] = append(byTerm[t.Terminal], ledger.Entry{Terminal: t.Terminal, TxnID: t.TxnID,
			Kind: t.Kind, Reverses: t.Reverses, Account: t.Account, Held: t.Held, Hold: t.Hold, Flags: t.Flags})
	}
	s := Settlement{Pharmacy: q.Pharmacy, Month: q.Month, ByTerminal: []TerminalStatement{}}
	for term, entries := range byTerm {
		st := ledger.SettleMonth(entries)
		s.ByTerminal = append(s.ByTerminal, TerminalStatement{Terminal: term, Statement: st})
		s.Statement.Add(st)
	}
	slices.SortFunc(s.ByTerminal, func(a, b TerminalStatement) int { return cmp.Compare(a.Terminal, b.Terminal) })
	return s, nil
}

// settlementAmounts names the statement's amounts in CSV column order.
var settlementAmounts = []string{"claimed", "applied", "held", "refused", "deferred", "refunded", "payable"}

// amounts is st's amounts in settlementAmounts order.
func amounts(st ledger.Statement) []int64 {
	return []int64{st.Claimed, st.Applied, st.Held, st.Refused, st.Deferred, st.Refunded, st.Payable}
}

// Yuan writes fen as yuan with two decimals and no sign of currency:
// 123450 → "1234.50", -5 → "-0.05". Integer arithmetic only.
func Yuan(fen int64) string {
	return strings.Replace(money.Fen(fen).String(), "¥", "", 1)
}

// WriteCSV writes s as CSV: a header row, one row per terminal and a
// total row (terminal "TOTAL"); each amount as fen and as yuan.
func (s Settlement) WriteCSV(w *csv.Writer) error {
	header := []string{"pharmacy", "month", "terminal", "charges", "voids"}
	for _, a := range settlementAmounts {
		header = append(header, a+"_fen", a+"_yuan")
	}
	row := func(term string, st ledger.Statement) []string {
		r := []string{s.Pharmacy, s.Month, term, strconv.Itoa(st.Charges), strconv.Itoa(st.Voids)}
		for _, a := range amounts(st) {
			r = append(r, strconv.FormatInt(a, 10), Yuan(a))
		}
		return r
	}
	rows := [][]string{header}
	for _, t := range s.ByTerminal {
		rows = append(rows, row(t.Terminal, t.Statement))
	}
	rows = append(rows, row("TOTAL", s.Statement))
	return w.WriteAll(rows)
}

// handleSettlement is GET /api/settlement: a pharmacy's monthly
// settlement as JSON or, with format=csv, as CSV.
func (s *Server) handleSettlement(w http.ResponseWriter, r *http.Request) {
	q, err := ParseSettlementQuery(r.URL.Query(), s.centre.Location())
	if err != nil {
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, err.Error())
		return
	}
	st, err := DrawSettlement(r.Context(), s.centre, q)
	switch {
	case errors.Is(err, ErrPopulationTooLarge):
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, err.Error()+"; the month has too many records for one statement")
	case err != nil:
		s.log.Error("settlement", "pharmacy", q.Pharmacy, "month", q.Month, "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
	case q.CSV:
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q",
			"settlement-"+q.Pharmacy+"-"+q.Month+".csv"))
		if err := st.WriteCSV(csv.NewWriter(w)); err != nil {
			s.log.Error("settlement csv", "err", err)
		}
	default:
		web.WriteJSON(w, http.StatusOK, st)
	}
}
