package console

import (
	"fmt"
	"net/http"
	"net/url"

	"posagent/internal/money"
	"posagent/sync/centre/api"
	"posagent/sync/centre/ledger"
)

// The chart's geometry, in SVG user units: it is drawn at 940 wide so a
// month's 31 bars fit a 1024-pixel screen beside the page's margins.
const (
	chartW, chartH   = 940, 220
	chartLeft        = 70 // room for the amount axis's labels
	chartTop         = 10
	chartPlotH       = 170 // the bars' height at the month's largest day
	chartLabelY      = chartTop + chartPlotH + 18
	chartSlotMinimum = 8
)

// chart is a month drawn on the server: a bar per day of the account
// amount sold, its held and refused parts drawn over it, and a dot at
// each day's flagged share (top: all flagged).
type chart struct {
	W, H, Left, Top, Bottom, Right, LabelY int
	MaxLabel                               string // the amount axis's top, in yuan
	Bars                                   []chartBar
}

// chartBar is one day of the chart.
type chartBar struct {
	X, W         int
	Y, H         int // the whole account amount
	HeldY, HeldH int // awaiting a ruling or refused, drawn over the bottom of the bar
	DotX, DotY   int
	Dot          bool   // the day has charges, so a flagged share
	Label        string // the day of the month
	Title        string // the day's figures, shown on hover
}

// drawChart lays h's days out on the chart; T gives the hover texts.
func drawChart(h ledger.History, T func(string) string) chart {
	c := chart{W: chartW, H: chartH, Left: chartLeft, Top: chartTop, Bottom: chartTop + chartPlotH,
		Right: chartW - 10, LabelY: chartLabelY}
	var top int64 = 1
	for _, d := range h.Days {
		top = max(top, d.Account)
	}
	c.MaxLabel = money.Fen(top).String()
	n := max(len(h.Days), 1)
	slot := max((c.Right-c.Left)/n, chartSlotMinimum)
	height := func(fen int64) int { return int(fen * chartPlotH / top) }
	for i, d := range h.Days {
		b := chartBar{X: c.Left + i*slot + slot/6, W: slot - slot/3, Label: d.Date[len(d.Date)-2:]}
		b.H = height(d.Account)
		b.Y = c.Bottom - b.H
		b.HeldH = height(min(d.Held+d.Refused, d.Account))
		b.HeldY = c.Bottom - b.HeldH
		if d.Charges > 0 {
			b.Dot, b.DotX = true, b.X+b.W/2
			b.DotY = c.Bottom - d.Flagged*chartPlotH/d.Charges
		}
		b.Title = fmt.Sprintf(T("history_bar_title"), d.Date, d.Charges, d.Flagged,
			money.Fen(d.Account).String(), money.Fen(d.Held).String(), money.Fen(d.Refused).String())
		c.Bars = append(c.Bars, b)
	}
	return c
}

// historyRow is one day of the history's table, amounts as yuan.
type historyRow struct {
	Date                   string
	Charges, Flagged       int
	Share                  string // flagged share, "–" without charges
	Account, Held, Refused string
}

// historyData is what the history page shows.
type historyData struct {
	Form  struct{ Pharmacy, CardNo, Month string }
	Drawn bool
	Whose string // the heading: whose month it is
	Chart chart
	Rows  []historyRow
	Total historyRow
	Codes []ledger.CodeCount
	Queue string // the month's review queue for the same pharmacy or card
}

// rowOfDay is d as a table row.
func rowOfDay(d ledger.Day) historyRow {
	r := historyRow{Date: d.Date, Charges: d.Charges, Flagged: d.Flagged, Share: "–",
		Account: money.Fen(d.Account).String(), Held: money.Fen(d.Held).String(), Refused: money.Fen(d.Refused).String()}
	if d.Charges > 0 {
		r.Share = fmt.Sprintf("%d%%", d.Flagged*100/d.Charges)
	}
	return r
}

// historyPage is the history page's form.
var historyPage = form{title: "history_title", nav: "history", tmpl: "history.html", tooLarge: "history_too_large"}

// history is GET /console/history: a pharmacy's or a person's month day
// by day (api.DrawHistory), as a chart drawn here in SVG (no script, no
// library) and as a table with totals, with the top reason codes.
func (h *Handler) history(w http.ResponseWriter, c *request) {
	q := c.r.URL.Query()
	var data historyData
	data.Form.Pharmacy, data.Form.CardNo, data.Form.Month = q.Get("pharmacy"), q.Get("card_no"), q.Get("month")
	// The form sends both fields; the empty one is no condition.
	for _, k := range []string{"pharmacy", "card_no"} {
		if q.Has(k) && q.Get(k) == "" {
			q.Del(k)
		}
	}
	c.r.URL.RawQuery = q.Encode()
	hq, hist, ok := drawForm(h, w, c, historyPage, data, api.ParseHistoryQuery, api.DrawHistory)
	if !ok {
		return
	}
	T := func(key string) string { return texts.T(c.lang, key) }
	data.Drawn = true
	if hq.Pharmacy != "" {
		data.Whose = fmt.Sprintf(T("history_of_pharmacy"), hq.Pharmacy, hq.Month)
	} else {
		data.Whose = fmt.Sprintf(T("history_of_card"), hq.CardNo, hq.Month)
	}
	data.Chart = drawChart(hist.History, T)
	for _, d := range hist.Days {
		data.Rows = append(data.Rows, rowOfDay(d))
	}
	data.Total = rowOfDay(hist.Total)
	data.Codes = hist.TopCodes
	v := url.Values{"flagged": {"1"}, "from": {hq.Start.Format("2006-01-02")},
		"to": {hq.End.AddDate(0, 0, -1).Format("2006-01-02")}}
	if hq.Pharmacy != "" {
		v.Set("pharmacy", hq.Pharmacy)
	} else {
		v.Set("card_no", hq.CardNo)
	}
	data.Queue = prefix + "?" + v.Encode()
	h.render(w, http.StatusOK, "history.html", c.page("history_title", "history", data))
}
