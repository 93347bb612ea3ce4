package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"posagent/sync/centre"
	"posagent/sync/centre/api"
)

// form is a console page with a query form whose answer is drawn from
// the records of a period (the sample, the settlement).
type form struct {
	title, nav, tmpl string // the page's title text, navigation entry and template
	tooLarge         string // the text saying the period holds too many records
}

// drawForm reads the query of f's page (without lang) with parse and
// draws its answer with draw. Without parameters it shows the empty
// form; with a bad query or a period of too many records it shows the
// form again, saying so; on a storage error it says that. In each case
// it has answered and returns false.
func drawForm[Q, R any](h *Handler, w http.ResponseWriter, c *request, f form, data any,
	parse func(url.Values, *time.Location) (Q, error),
	draw func(context.Context, *centre.Centre, Q) (R, error)) (q Q, r R, ok bool) {
	params := url.Values{}
	for k, v := range c.r.URL.Query() {
		if k != "lang" {
			params[k] = v
		}
	}
	if len(params) == 0 { // the empty form
		h.render(w, http.StatusOK, f.tmpl, c.page(f.title, f.nav, data))
		return q, r, false
	}
	q, err := parse(params, c.loc)
	if err != nil {
		h.formError(w, c, f, data, badQuery(c.lang, err))
		return q, r, false
	}
	r, err = draw(c.r.Context(), h.centre, q)
	if errors.Is(err, api.ErrPopulationTooLarge) {
		h.log.Info("console: "+f.nav+": period too large", "query", params.Encode(), "err", err)
		h.formError(w, c, f, data, texts.T(c.lang, f.tooLarge))
		return q, r, false
	}
	if err != nil {
		h.log.Error("console: "+f.nav, "query", params.Encode(), "err", err)
		h.message(w, c, http.StatusInternalServerError, f.title, texts.T(c.lang, "storage_error"))
		return q, r, false
	}
	return q, r, true
}

// formError shows f's form again, as filled in (data), with msg.
func (h *Handler) formError(w http.ResponseWriter, c *request, f form, data any, msg string) {
	p := c.page(f.title, f.nav, data)
	p.Error = msg
	h.render(w, http.StatusBadRequest, f.tmpl, p)
}
