package api

import (
	"net/url"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"posagent/sync/centre"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// MaxLimit bounds the limit parameter of the list queries.
const MaxLimit = 10000

var transactionParams = map[string]bool{
	"pharmacy": true, "terminal": true, "card_no": true, "flagged": true,
	"from": true, "to": true, "kind": true, "limit": true, "held": true,
	"cashier": true, "code": true, "min_account": true, "max_account": true,
	"format": true, // json or csv (ParseFormat): how the list is answered, not which records
}

// maxFilterFen bounds the amount parameters: a hundred million yuan.
const maxFilterFen = 100_000_000_00

// RecordKinds are the kinds a transactions query may ask for.
var RecordKinds = map[string]bool{
	wire.KindCharge: true, wire.KindVoid: true, wire.KindQuote: true, wire.KindRefusal: true,
}

// ParseFilter reads the query of /api/transactions (and of the console's
// list). from and to take RFC 3339 or YYYY-MM-DD (a day in loc, the
// region's zone; "to" a day includes that day). Unknown or repeated
// parameters are refused, so a typo does not silently widen a query.
func ParseFilter(q url.Values, loc *time.Location) (store.Filter, error) {
	if err := checkParams(q, transactionParams); err != nil {
		return store.Filter{}, err
	}
	f := store.Filter{Pharmacy: q.Get("pharmacy"), Terminal: q.Get("terminal"),
		CardNo: q.Get("card_no"), Kind: q.Get("kind")}
	if f.CardNo != "" {
		if err := centre.CheckCardNo(f.CardNo); err != nil {
			return f, paramError("card_no", ParamMalformed, "card_no %q: %w", f.CardNo, err)
		}
	}
	if f.Kind != "" && !RecordKinds[f.Kind] {
		return f, paramError("kind", ParamMalformed, "kind %q: want charge, void, quote or refusal", f.Kind)
	}
	var err error
	if f.Flagged, err = parseSwitch(q, "flagged"); err != nil {
		return f, err
	}
	if f.Held, err = parseSwitch(q, "held"); err != nil {
		return f, err
	}
	if f.Cashier = q.Get("cashier"); f.Cashier != "" && !shortName(f.Cashier) {
		return f, paramError("cashier", ParamMalformed, "cashier %q: want 1 to 64 printable characters", f.Cashier)
	}
	if f.Code = q.Get("code"); f.Code != "" && !codeName(f.Code) {
		return f, paramError("code", ParamMalformed, "code %q: want a flag or reason code such as SPLIT_DAILY_AMOUNT", f.Code)
	}
	if f.MinAccount, err = parseFen(q, "min_account"); err != nil {
		return f, err
	}
	if f.MaxAccount, err = parseFen(q, "max_account"); err != nil {
		return f, err
	}
	if f.MaxAccount != 0 && f.MinAccount > f.MaxAccount {
		return f, paramError("min_account", ParamOrder, "min_account %d is above max_account %d", f.MinAccount, f.MaxAccount)
	}
	if f.From, f.To, err = parsePeriod(q, loc); err != nil {
		return f, err
	}
	if _, err := ParseFormat(q); err != nil {
		return f, err
	}
	f.Limit, err = parseLimit(q)
	return f, err
}

// parseFen reads an amount parameter in fen, 0 to maxFilterFen; absent is 0.
func parseFen(q url.Values, name string) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > maxFilterFen {
		return 0, paramError(name, ParamMalformed, "%s %q: want fen, 0 to %d", name, v, int64(maxFilterFen))
	}
	return n, nil
}

// shortName reports whether s is 1 to 64 printable characters, as an
// operator's name is.
func shortName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 64 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// codeName reports whether s looks like a flag or reason code: 1 to 40
// capital letters, digits and underscores.
func codeName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// parsePeriod reads from and to (RFC 3339 or YYYY-MM-DD in loc; "to" a
// day includes it) and checks from is before to.
func parsePeriod(q url.Values, loc *time.Location) (from, to time.Time, err error) {
	if from, err = parseTimeParam("from", q.Get("from"), false, loc); err != nil {
		return from, to, err
	}
	if to, err = parseTimeParam("to", q.Get("to"), true, loc); err != nil {
		return from, to, err
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, paramError("from", ParamOrder, "from %s is not before to %s", q.Get("from"), q.Get("to"))
	}
	return from, to, nil
}

// checkParams refuses parameters not in known and repeated ones.
func checkParams(q url.Values, known map[string]bool) error {
	for k, v := range q {
		if !known[k] {
			return paramError(k, ParamUnknown, "unknown parameter %q", k)
		}
		if len(v) > 1 {
			return paramError(k, ParamRepeated, "parameter %q given %d times", k, len(v))
		}
	}
	return nil
}

// parseSwitch reads a 1/0 parameter; absent is false.
func parseSwitch(q url.Values, name string) (bool, error) {
	switch v := q.Get(name); v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	default:
		return false, paramError(name, ParamMalformed, "%s %q: want 1 or 0", name, v)
	}
}

// parseLimit reads the limit parameter, 1 to MaxLimit; absent is 0.
func parseLimit(q url.Values) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, paramError("limit", ParamMalformed, "limit %q: want 1 to %d", v, MaxLimit)
	}
	return n, nil
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
		return time.Time{}, paramError(name, ParamMalformed, "%s %q: want RFC 3339 or YYYY-MM-DD", name, v)
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}
