package api

import (
	"encoding/csv"
	"net/url"
	"strconv"
	"strings"
	"time"

	"posagent/sync/centre/store"
)

// TxnCSVHeader names the columns of a transactions list as CSV: amounts
// in fen, times in the region's zone, flags and reason codes joined by
// ";".
var TxnCSVHeader = []string{"terminal", "pharmacy", "seq", "txn_id", "kind", "at", "received_at", "card_no", "cashier",
	"total_fen", "account_fen", "cash_fen", "account_yuan", "held_fen", "hold", "flags", "reasons", "settled", "reverses"}

// WriteTxnCSV writes ts as CSV (TxnCSVHeader), times in loc. Text a
// terminal sent is made inert for spreadsheets (CSVCell).
func WriteTxnCSV(w *csv.Writer, ts []store.Txn, loc *time.Location) error {
	rows := [][]string{TxnCSVHeader}
	for _, t := range ts {
		codes := make([]string, len(t.Reasons))
		for i, r := range t.Reasons {
			codes[i] = string(r.Code)
		}
		rows = append(rows, []string{CSVCell(t.Terminal), CSVCell(t.Pharmacy), strconv.FormatUint(t.Seq, 10), CSVCell(t.TxnID),
			CSVCell(t.Kind), t.At.In(loc).Format(time.RFC3339Nano), t.ReceivedAt.In(loc).Format(time.RFC3339Nano),
			CSVCell(t.CardNo), CSVCell(t.Cashier), strconv.FormatInt(t.Total, 10), strconv.FormatInt(t.Account, 10),
			strconv.FormatInt(t.Cash, 10), Yuan(t.Account), strconv.FormatInt(t.Held, 10), t.Hold,
			CSVCell(strings.Join(t.Flags, ";")), CSVCell(strings.Join(codes, ";")), t.Settled, CSVCell(t.Reverses)})
	}
	return w.WriteAll(rows)
}

// CSVCell is s safe to open in a spreadsheet: text beginning with =, +,
// -, @, a tab or a carriage return (which a spreadsheet would run as a
// formula) gets a leading apostrophe. A record's text comes from a
// terminal, which the centre does not trust.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ParseFormat reads the format parameter: "json" (or absent) or "csv".
func ParseFormat(q url.Values) (csv bool, err error) {
	switch f := q.Get("format"); f {
	case "", "json":
		return false, nil
	case "csv":
		return true, nil
	default:
		return false, paramError("format", ParamMalformed, "format %q: want json or csv", f)
	}
}
