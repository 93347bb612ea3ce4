package console

import (
	"errors"
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

// sample is GET /console/sample: the review sample of a pharmacy's
// charges in a period (SPEC §11 "Sampling", api.DrawSample), from the
// seed given or a new one, which the page shows.
func (h *Handler) sample(w http.ResponseWriter, c *request) {
	q := c.r.URL.Query()
	data := sampleData{Form: sampleForm{Pharmacy: q.Get("pharmacy"), From: q.Get("from"), To: q.Get("to"),
		Seed: q.Get("seed")}}
	params := url.Values{}
	for k, v := range q {
		if k != "lang" {
			params[k] = v
		}
	}
	if len(params) == 0 { // the empty form
		h.render(w, http.StatusOK, "sample.html", c.page("sample_title", "sample", data))
		return
	}
	sq, err := api.ParseSampleQuery(params, c.loc)
	if err != nil {
		p := c.page("sample_title", "sample", data)
		p.Error = texts.T(c.lang, "bad_filter") + err.Error()
		h.render(w, http.StatusBadRequest, "sample.html", p)
		return
	}
	s, err := api.DrawSample(c.r.Context(), h.centre, sq)
	if errors.Is(err, api.ErrPopulationTooLarge) {
		p := c.page("sample_title", "sample", data)
		p.Error = texts.T(c.lang, "sample_too_large") + err.Error()
		h.render(w, http.StatusBadRequest, "sample.html", p)
		return
	}
	if err != nil {
		h.log.Error("console: draw sample", "pharmacy", sq.Pharmacy, "err", err)
		h.message(w, c, http.StatusInternalServerError, "sample_title", texts.T(c.lang, "storage_error"))
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
