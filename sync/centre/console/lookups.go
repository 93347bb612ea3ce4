package console

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"posagent/sync/centre/alerts"
	"posagent/sync/centre/api"
	"posagent/sync/centre/store"
)

// lookupFilterForm is the look-ups filter form as the user filled it in.
type lookupFilterForm struct {
	Pharmacy, Terminal, CardNo, From, To string
	WithoutSale                          bool
}

// lookupsData is what the look-ups page shows.
type lookupsData struct {
	Form   lookupFilterForm
	Alerts []alertRow
	Rows   []lookupRow
}

// alertRow is one alert, its text prepared in the page's language.
type alertRow struct {
	Kind, Terminal, Pharmacy, Period, Text, URL string
}

// lookupRow is one look-up of the list.
type lookupRow struct {
	Terminal, Pharmacy, CardNo, When, WhenFull string
	Found, Refused, Sale                       bool
	Proven                                     bool // the card proved its presence (SPEC §10)
}

// lookups is GET /console/lookups: the alerts over the chosen terminal,
// pharmacy and period (the last 7 days without from), then the newest
// pageSize look-ups the filter selects.
func (h *Handler) lookups(w http.ResponseWriter, c *request) {
	q := c.r.URL.Query()
	data := lookupsData{Form: lookupFilterForm{
		Pharmacy: q.Get("pharmacy"), Terminal: q.Get("terminal"), CardNo: q.Get("card_no"),
		From: q.Get("from"), To: q.Get("to"), WithoutSale: q.Get("without_sale") == "1",
	}}
	params := url.Values{}
	for k, v := range q {
		if k != "lang" {
			params[k] = v
		}
	}
	f, err := api.ParseLookupFilter(params, c.loc)
	if err != nil {
		p := c.page("lookups_title", "lookups", data)
		p.Error = badQuery(c.lang, err)
		h.render(w, http.StatusBadRequest, "lookups.html", p)
		return
	}
	if f.Limit == 0 || f.Limit > pageSize {
		f.Limit = pageSize
	}
	ctx := c.r.Context()
	ls, err := h.centre.Lookups(ctx, f)
	var as []alerts.Alert
	if err == nil {
		as, err = h.centre.LookupAlerts(ctx, f)
	}
	if err != nil {
		h.log.Error("console: look-ups", "err", err)
		h.message(w, c, http.StatusInternalServerError, "lookups_title", texts.T(c.lang, "storage_error"))
		return
	}
	p := c.page("lookups_title", "lookups", nil)
	for _, a := range as {
		data.Alerts = append(data.Alerts, p.alertRow(a))
	}
	data.Rows = make([]lookupRow, len(ls))
	for i, l := range ls {
		data.Rows[i] = p.lookupRow(l)
	}
	p.Data = data
	h.render(w, http.StatusOK, "lookups.html", p)
}

func (p page) lookupRow(l store.Lookup) lookupRow {
	return lookupRow{Terminal: l.Terminal, Pharmacy: l.Pharmacy, CardNo: l.CardNo,
		When: formatWhen(l.At, p.loc), WhenFull: formatWhenFull(l.At),
		Found: l.Found, Refused: l.Refused, Sale: l.Sale, Proven: l.Proven}
}

// alertRow phrases an alert and links to the look-ups behind it.
func (p page) alertRow(a alerts.Alert) alertRow {
	r := alertRow{Kind: a.Kind, Terminal: a.Terminal, Pharmacy: a.Pharmacy}
	q := url.Values{"terminal": {a.Terminal}}
	switch a.Kind {
	case alerts.WithoutSale:
		r.Period = a.Day
		r.Text = fmt.Sprintf(p.T("alert_text_"+a.Kind), a.Lookups, a.NoSale, a.SharePct)
		q.Set("from", a.Day)
		q.Set("to", a.Day)
		q.Set("without_sale", "1")
	case alerts.SequentialCards:
		r.Period = formatWhen(a.From, p.loc) + " – " + formatWhen(a.To, p.loc)
		r.Text = fmt.Sprintf(p.T("alert_text_"+a.Kind), a.Consecutive, a.FirstCard, a.LastCard, a.Lookups)
		q.Set("from", a.From.In(p.loc).Format(time.DateOnly))
		q.Set("to", a.To.In(p.loc).Format(time.DateOnly))
	}
	r.URL = (&url.URL{Path: prefix + "lookups", RawQuery: q.Encode()}).String()
	return r
}
