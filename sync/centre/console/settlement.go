package console

import (
	"encoding/csv"
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

// settlementPage is the settlement page's form.
var settlementPage = form{title: "settlement_title", nav: "settlement", tmpl: "settlement.html",
	tooLarge: "settlement_too_large"}

// settlement is GET /console/settlement: a pharmacy's monthly
// settlement (SPEC §11, api.DrawSettlement), per terminal and in total,
// with a link to the same statement as CSV (format=csv: the CSV of GET
// /api/settlement, for a console session).
func (h *Handler) settlement(w http.ResponseWriter, c *request) {
	q := c.r.URL.Query()
	data := settlementData{Columns: settlementColumns}
	data.Form.Pharmacy, data.Form.Month = q.Get("pharmacy"), q.Get("month")
	sq, s, ok := drawForm(h, w, c, settlementPage, data, api.ParseSettlementQuery, api.DrawSettlement)
	if !ok {
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
