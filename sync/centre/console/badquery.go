package console

import (
	"errors"
	"fmt"

	"posagent/internal/web"
	"posagent/sync/centre/api"
)

// errBadCursor is a malformed paging cursor (before, skip) of the list.
var errBadCursor = errors.New("bad page cursor")

// fieldTexts are the texts naming a query parameter in a form.
var fieldTexts = map[string]string{
	"pharmacy": "pharmacy", "terminal": "terminal", "card_no": "card_no", "kind": "kind",
	"from": "from", "to": "to", "month": "month", "seed": "seed",
	"flagged": "flagged_only", "without_sale": "without_sale_only", "held": "held_only",
	"cashier": "cashier", "code": "code", "min_yuan": "min_yuan", "max_yuan": "max_yuan",
	"min_account": "min_yuan", "max_account": "max_yuan",
}

// malformedTexts say what a parameter should look like, %s its field's text.
var malformedTexts = map[string]string{
	"from": "query_bad_date", "to": "query_bad_date", "month": "query_bad_month", "seed": "query_bad_seed",
	"card_no": "query_bad_card_no", "kind": "query_bad_kind",
	"flagged": "query_bad_switch", "without_sale": "query_bad_switch", "held": "query_bad_switch",
	"min_yuan": "query_bad_yuan", "max_yuan": "query_bad_yuan", "code": "query_bad_code",
}

// badQuery says in lang what was wrong with a form's query (an
// api.ParamError, or the list's cursor), from the catalogue: the parsers'
// English errors are not shown.
func badQuery(lang web.Lang, err error) string {
	T := func(key string) string { return texts.T(lang, key) }
	field := func(param string) string {
		if key, ok := fieldTexts[param]; ok {
			return T(key)
		}
		return param
	}
	msg := T("query_invalid")
	var pe *api.ParamError
	switch {
	case errors.Is(err, errBadCursor):
		msg = T("query_bad_page")
	case !errors.As(err, &pe): // not the parsers': the general text
	case pe.Problem == api.ParamUnknown:
		msg = fmt.Sprintf(T("query_unknown"), pe.Param)
	case pe.Problem == api.ParamRepeated:
		msg = fmt.Sprintf(T("query_repeated"), field(pe.Param))
	case pe.Problem == api.ParamMissing:
		msg = fmt.Sprintf(T("query_missing"), field(pe.Param))
	case pe.Problem == api.ParamOrder && pe.Param == "min_account":
		msg = T("query_amount_order")
	case pe.Problem == api.ParamExclusive:
		msg = T("query_pharmacy_or_card")
	case pe.Problem == api.ParamOrder:
		msg = T("query_order")
	case pe.Param == "format":
		msg = T("query_bad_format")
	case pe.Param == "limit":
		msg = fmt.Sprintf(T("query_bad_limit"), api.MaxLimit)
	case malformedTexts[pe.Param] != "":
		msg = fmt.Sprintf(T(malformedTexts[pe.Param]), field(pe.Param))
	default:
		msg = fmt.Sprintf(T("query_bad_value"), field(pe.Param))
	}
	return T("bad_filter") + msg
}
