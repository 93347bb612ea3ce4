package centre

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// maxLimit bounds the limit parameter of /api/transactions.
const maxLimit = 10000

var transactionParams = map[string]bool{
	"pharmacy": true, "terminal": true, "card_no": true, "flagged": true,
	"from": true, "to": true, "kind": true, "limit": true,
}

var recordKinds = map[string]bool{
	wire.KindCharge: true, wire.KindVoid: true, wire.KindQuote: true, wire.KindRefusal: true,
}

// parseFilter reads the query of /api/transactions. from and to take
// RFC 3339 or YYYY-MM-DD (a day in loc; "to" a day includes that day).
// Unknown parameters are refused, so a typo does not silently widen a
// query.
func parseFilter(q url.Values, loc *time.Location) (store.Filter, error) {
	for k, v := range q {
		if !transactionParams[k] {
			return store.Filter{}, fmt.Errorf("unknown parameter %q", k)
		}
		if len(v) > 1 {
			return store.Filter{}, fmt.Errorf("parameter %q given %d times", k, len(v))
		}
	}
	f := store.Filter{Pharmacy: q.Get("pharmacy"), Terminal: q.Get("terminal"),
		CardNo: q.Get("card_no"), Kind: q.Get("kind")}
	if f.CardNo != "" {
		if err := checkCardNo(f.CardNo); err != nil {
			return f, fmt.Errorf("card_no %q: %w", f.CardNo, err)
		}
	}
	if f.Kind != "" && !recordKinds[f.Kind] {
		return f, fmt.Errorf("kind %q: want charge, void, quote or refusal", f.Kind)
	}
	var err error
	switch v := q.Get("flagged"); v {
	case "", "0", "false":
	case "1", "true":
		f.Flagged = true
	default:
		return f, fmt.Errorf("flagged %q: want 1 or 0", v)
	}
	if f.From, err = parseTimeParam("from", q.Get("from"), false, loc); err != nil {
		return f, err
	}
	if f.To, err = parseTimeParam("to", q.Get("to"), true, loc); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, fmt.Errorf("from %s is not before to %s", q.Get("from"), q.Get("to"))
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return f, fmt.Errorf("limit %q: want 1 to %d", v, maxLimit)
		}
		f.Limit = n
	}
	return f, nil
}

// parseTimeParam parses RFC 3339 or a day; a day ending a range is the
// next day's midnight, so the range includes it.
func parseTimeParam(name, v string, end bool, loc *time.Location) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want RFC 3339 or YYYY-MM-DD", name, v)
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}
