package console

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"posagent/internal/money"
	"posagent/sync/centre/api"
	"posagent/sync/centre/ledger"
)

// settlementRow is one line of the statement table, amounts as yuan.
type settlementRow struct {
	Terminal string // "" for the total
	Charges  int
	Voids    int
	Amounts  []string // in settlementColumns order
}

// settlementColumns are the texts of the statement's amount columns.
var settlementColumns = []string{"settlement_claimed", "settlement_applied", "settlement_held",
	"settlement_refused", "settlement_deferred", "settlement_refunded", "settlement_payable"}

// settlementData is what the settlement page shows.
type settlementData struct {
	Form    struct{ Pharmacy, Month string }
	Drawn   bool // a statement was drawn up (the form was filled in)
	Columns []string
	Rows    []settlementRow // per terminal
	Total   settlementRow
	CSV     string // the same statement as CSV (format=csv, as GET /api/settlement writes it)
}

// rowOf is st as a table row.
func rowOf(term string, st ledger.Statement) settlementRow {
	r := settlementRow{Terminal: term, Charges: st.Charges, Voids: st.Voids}
	for _, a := range []int64{st.Claimed, st.Applied, st.Held, st.Refused, st.Deferred, st.Refunded, st.Payable} {
		r.Amounts = append(r.Amounts, money.Fen(a).String())
	}
	return r
}

// settlement is GET /console/settlement: a pharmacy's monthly
// settlement (SPEC §11, api.DrawSettlement), per terminal and in total,
// with a link to the same statement as CSV (format=csv: the CSV of GET
// /api/settlement, for a console session).
func (h *Handler) settlement(w http.ResponseWriter, c *request) {
	q := c.r.URL.Query()
	data := settlementData{Columns: settlementColumns}
	data.Form.Pharmacy, data.Form.Month = q.Get("pharmacy"), q.Get("month")
	params := url.Values{}
	for k, v := range q {
		if k != "lang" {
			params[k] = v
		}
	}
	if len(params) == 0 { // the empty form
		h.render(w, http.StatusOK, "settlement.html", c.page("settlement_title", "settlement", data))
		return
	}
	sq, err := api.ParseSettlementQuery(params, c.loc)
	if err != nil {
		p := c.page("settlement_title", "settlement", data)
		p.Error = texts.T(c.lang, "bad_filter") + err.Error()
		h.render(w, http.StatusBadRequest, "settlement.html", p)
		return
	}
	s, err := api.DrawSettlement(c.r.Context(), h.centre, sq)
	if errors.Is(err, api.ErrPopulationTooLarge) {
		p := c.page("settlement_title", "settlement", data)
		p.Error = texts.T(c.lang, "settlement_too_large") + err.Error()
		h.render(w, http.StatusBadRequest, "settlement.html", p)
		return
	}
	if err != nil {
		h.log.Error("console: settlement", "pharmacy", sq.Pharmacy, "month", sq.Month, "err", err)
		h.message(w, c, http.StatusInternalServerError, "settlement_title", texts.T(c.lang, "storage_error"))
		return
	}
	if sq.CSV {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q",
			"settlement-"+sq.Pharmacy+"-"+sq.Month+".csv"))
		if err := s.WriteCSV(csv.NewWriter(w)); err != nil {
			h.log.Error("console: settlement csv", "err", err)
		}
		return
	}
	data.Drawn = true
	for _, t := range s.ByTerminal {
		data.Rows = append(data.Rows, rowOf(t.Terminal, t.Statement))
	}
	data.Total = rowOf("", s.Statement)
	v := url.Values{"pharmacy": {sq.Pharmacy}, "month": {sq.Month}, "format": {"csv"}}
	data.CSV = (&url.URL{Path: prefix + "settlement", RawQuery: v.Encode()}).String()
	h.render(w, http.StatusOK, "settlement.html", c.page("settlement_title", "settlement", data))
}
