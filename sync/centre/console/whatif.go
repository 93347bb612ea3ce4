package console

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"posagent/internal/web"
	"posagent/policy"
	"posagent/sync/centre"
	"posagent/sync/centre/ledger"
)

// whatIfData is what the what-if page shows.
type whatIfData struct {
	Form   struct{ From, To, Catalogue, Rules string }
	Report *ledger.WhatIfReport // nil until a what-if ran
}

// whatIf is GET /console/whatif: the form for a rules what-if (SPEC
// §11): a draft catalogue and rules, uploaded or pasted, and a period of
// local days.
func (h *Handler) whatIf(w http.ResponseWriter, c *request) {
	h.render(w, http.StatusOK, "whatif.html", c.page("whatif_title", "whatif", whatIfData{}))
}

// runWhatIf is POST /console/whatif: it replays the period's stored
// charges against the draft (centre.WhatIf) and shows, per pharmacy and
// code, what would change. Nothing is published or stored.
func (h *Handler) runWhatIf(w http.ResponseWriter, c *request) {
	var data whatIfData
	r := c.r
	data.Form.From, data.Form.To = r.FormValue("from"), r.FormValue("to")
	data.Form.Catalogue, data.Form.Rules = r.FormValue("catalogue_text"), r.FormValue("rules_text")
	fail := func(status int, key string) {
		p := c.page("whatif_title", "whatif", data)
		p.Error = texts.T(c.lang, key)
		h.render(w, status, "whatif.html", p)
	}
	cat, errCat := draftPart(r, "catalogue", data.Form.Catalogue)
	rules, errRules := draftPart(r, "rules", data.Form.Rules)
	if err := errors.Join(errCat, errRules); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(http.StatusRequestEntityTooLarge, "whatif_too_large")
			return
		}
		fail(http.StatusBadRequest, "whatif_files")
		return
	}
	h.whatIfRun(w, c, &data, cat, rules, fail)
}

// whatIfRun checks the draft and the period, runs the what-if and
// answers; fail answers with a text of the catalogues.
func (h *Handler) whatIfRun(w http.ResponseWriter, c *request, data *whatIfData, cat, rules []byte, fail func(int, string)) {
	if _, err := policy.ParseCatalogue(bytes.NewReader(cat)); err != nil {
		fail(http.StatusBadRequest, "whatif_bad_catalogue")
		return
	}
	if _, err := policy.ParseRules(rules); err != nil {
		fail(http.StatusBadRequest, "whatif_bad_rules")
		return
	}
	draft, err := centre.ParseDraft(cat, rules)
	if err != nil {
		fail(http.StatusBadRequest, "whatif_bad_catalogue")
		return
	}
	ce := h.centre
	from, to, err := ce.WhatIfDays(data.Form.From, data.Form.To)
	if err != nil {
		fail(http.StatusBadRequest, "whatif_bad_period")
		return
	}
	rep, err := ce.WhatIf(c.r.Context(), draft, from, to)
	switch {
	case errors.Is(err, centre.ErrNoSigningKey):
		fail(http.StatusConflict, "whatif_no_key")
		return
	case errors.Is(err, centre.ErrWhatIfTooLarge):
		fail(http.StatusBadRequest, "whatif_too_many")
		return
	case err != nil:
		h.log.Error("console: what-if", "user", c.sess.Value.Name, "from", data.Form.From, "to", data.Form.To, "err", err)
		fail(http.StatusInternalServerError, "storage_error")
		return
	}
	h.log.Info("console: what-if", "user", c.sess.Value.Name, "from", data.Form.From, "to", data.Form.To,
		"charges", rep.Charges, "changed", rep.Changed)
	data.Report = &rep
	h.render(w, http.StatusOK, "whatif.html", c.page("whatif_title", "whatif", *data))
}

// errNoDraft means a draft part was neither uploaded nor pasted.
var errNoDraft = errors.New("draft part missing")

// draftPart is an uploaded file of the form, else the pasted text.
func draftPart(r *http.Request, field, pasted string) ([]byte, error) {
	b, err := formFile(r, field)
	switch {
	case err == nil && len(bytes.TrimSpace(b)) > 0:
		return b, nil
	case err != nil && !errors.Is(err, http.ErrMissingFile) && !errors.Is(err, http.ErrNotMultipart):
		return nil, err
	case strings.TrimSpace(pasted) != "":
		return []byte(pasted), nil
	}
	return nil, errNoDraft
}

// CodeText explains a code of the what-if: a centre flag's text, else
// the reason code's message.
func (p page) CodeText(code string) string {
	if _, ok := texts["flag_"+code]; ok {
		return p.FlagText(code)
	}
	en, zh := policy.Message(policy.Code(code))
	if p.Lang == web.En {
		return en
	}
	return zh
}
