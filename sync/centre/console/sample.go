package console

import (
	"net/http"
	"net/url"
	"strconv"

	"posagent/sync/centre/api"
)

// sampleForm is the sample form as the user filled it in; Seed shows
// the seed drawn when the user gave none, so the form draws it again.
type sampleForm struct {
	Pharmacy, From, To, Seed string
}

// sampleData is what the sample page shows.
type sampleData struct {
	Form      sampleForm
	Drawn     bool // a sample was drawn (the form was filled in)
	Sample    api.Sample
	Rows      []txnRow
	Permalink string // this sample: the same query and seed
	Redraw    string // the same query with a new seed
}

// samplePage is the sample page's form.
var samplePage = form{title: "sample_title", nav: "sample", tmpl: "sample.html", tooLarge: "sample_too_large"}

// sample is GET /console/sample: the review sample of a pharmacy's
// charges in a period (SPEC §11 "Sampling", api.DrawSample), from the
// seed given or a new one, which the page shows.
func (h *Handler) sample(w http.ResponseWriter, c *request) {
	q := c.r.URL.Query()
	data := sampleData{Form: sampleForm{Pharmacy: q.Get("pharmacy"), From: q.Get("from"), To: q.Get("to"),
		Seed: q.Get("seed")}}
	sq, s, ok := drawForm(h, w, c, samplePage, data, api.ParseSampleQuery, api.DrawSample)
	if !ok {
		return
	}
	p := c.page("sample_title", "sample", nil)
	data.Drawn, data.Sample = true, s
	data.Form.Seed = strconv.FormatUint(s.Seed, 10)
	data.Rows = make([]txnRow, len(s.Records))
	for i, t := range s.Records {
		data.Rows[i] = p.listRow(t)
	}
	data.Permalink = sampleURL(sq, s.Seed)
	data.Redraw = sampleURL(sq, api.NewSeed())
	p.Data = data
	h.render(w, http.StatusOK, "sample.html", p)
}

// sampleURL is the sample page of q's pharmacy and period with seed.
func sampleURL(q api.SampleQuery, seed uint64) string {
	v := url.Values{"pharmacy": {q.Pharmacy}, "from": {q.From}, "to": {q.To},
		"seed": {strconv.FormatUint(seed, 10)}}
	return (&url.URL{Path: prefix + "sample", RawQuery: v.Encode()}).String()
}
