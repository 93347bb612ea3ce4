package console

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"posagent/internal/money"
	"posagent/policy"
	"posagent/sync/centre/store"
)

// consoleTimeLayout is how times show in the console, in the centre's zone
// (the zone in which the date filters are read).
const consoleTimeLayout = "2006-01-02 15:04:05"

// formatWhen is a time in loc, the centre's zone; "—" for none.
func formatWhen(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format(consoleTimeLayout)
}

// formatWhenFull is a time as the terminal wrote it, zone included.
func formatWhenFull(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// txnURL is the detail page of a transaction. The time, a hint, lets the
// page find the record by the terminal's time index directly.
func txnURL(t store.Txn) string {
	return prefix + "txn/" + url.PathEscape(t.Terminal) + "/" + strconv.FormatUint(t.Seq, 10) +
		"?at=" + url.QueryEscape(t.At.Format(time.RFC3339Nano))
}

// moneyEvidence are the evidence keys holding fen, by reason code
// (docs/RULES.md); the detail page shows them in yuan as well.
var moneyEvidence = map[policy.Code][]string{
	policy.PriceAboveCap:       {"unit_price", "price_cap", "excess"},
	policy.SplitDailyAmount:    {"earlier_account", "account", "total", "limit"},
	policy.SplitStructuring:    {"low", "high", "account"},
	policy.IDCheckRequired:     {"account", "threshold"},
	policy.BalanceInsufficient: {"balance", "wanted"},
	policy.OfflineLimit:        {"wanted", "allowed", "card_used", "card_limit", "terminal_used", "terminal_limit"},
}

// evidenceItem is one line of a reason's evidence.
type evidenceItem struct {
	Key   string
	Value string
}

// reasonView is a reason as the detail page shows it.
type reasonView struct {
	policy.Reason
	Evidence []evidenceItem // sorted by key
}

// viewReasons prepares reasons for the detail page; missing messages are
// taken from policy.
func viewReasons(rs []policy.Reason) []reasonView {
	out := make([]reasonView, 0, len(rs))
	for _, r := range rs {
		if r.Message == "" || r.MessageZh == "" {
			r.Message, r.MessageZh = policy.Message(r.Code)
		}
		v := reasonView{Reason: r}
		keys := make([]string, 0, len(r.Evidence))
		for k := range r.Evidence {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			money := slices.Contains(moneyEvidence[r.Code], k)
			v.Evidence = append(v.Evidence, evidenceItem{Key: k, Value: evidenceValue(r.Evidence[k], money)})
		}
		out = append(out, v)
	}
	return out
}

// evidenceValue writes one evidence value. Numbers are read from their
// JSON text, so an amount is never rounded through a float; money also
// shows in yuan.
func evidenceValue(v any, isMoney bool) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = evidenceValue(e, false)
		}
		return strings.Join(parts, ", ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && isMoney {
		return s + " (" + money.Fen(n).String() + ")"
	}
	return s
}
