package console

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"posagent/policy"
	"posagent/sync/centre"
	"strconv"
	"strings"
	"time"

	"posagent/internal/money"
	"posagent/sync/centre/api"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// pageSize is how many transactions one list page shows.
const pageSize = 200

// txnFilterForm is the filter form as the user filled it in.
type txnFilterForm struct {
	Pharmacy, Terminal, CardNo, Kind, From, To string
	Cashier, Code, MinYuan, MaxYuan            string
	Flagged, Held                              bool
}

// txnListData is what the transactions page shows.
type txnListData struct {
	Form  txnFilterForm
	Kinds []string
	Rows  []txnRow
	Older string // the next (older) page, "" when there is none
	// Totals of the page's rows, in yuan.
	Total, Account, Cash string
	CSV                  string // the list as CSV, up to api.MaxLimit records
}

// txnRow is one row of the list, its texts prepared in Go: a page holds
// hundreds of rows, and calls from a template are slow.
type txnRow struct {
	Terminal, Pharmacy, CardNo, Cashier string
	Seq                                 uint64
	Flagged                             bool
	When, WhenFull, Kind, Settled, URL  string
	Total, Account, Cash                string
	Reasons                             []badge
	Flags                               []badge
}

// badge is a reason code or a centre flag with its explanation.
type badge struct {
	Code, Class, Title string
}

// listRow prepares a transaction for the list in the page's language.
func (p page) listRow(t store.Txn) txnRow {
	r := txnRow{Terminal: t.Terminal, Pharmacy: t.Pharmacy, CardNo: t.CardNo, Cashier: t.Cashier, Seq: t.Seq,
		Flagged: t.Flagged(), When: formatWhen(t.At, p.loc), WhenFull: formatWhenFull(t.At), Kind: p.T("kind_" + t.Kind),
		Settled: p.SettledText(t), URL: txnURL(t),
		Total: money.Fen(t.Total).String(), Account: money.Fen(t.Account).String(), Cash: money.Fen(t.Cash).String()}
	for _, rs := range t.Reasons {
		r.Reasons = append(r.Reasons, badge{Code: string(rs.Code), Class: "sev-" + string(rs.Severity),
			Title: p.SevText(rs.Severity) + ": " + p.Msg(rs)})
	}
	for _, f := range t.Flags {
		r.Flags = append(r.Flags, badge{Code: f, Title: p.FlagText(f)})
	}
	return r
}

// txnDetailData is what a transaction's page shows.
type txnDetailData struct {
	Txn     store.Txn
	Reasons []reasonView
	Rulings rulingView
	Lines   []lineView     // as the terminal sent them
	Holder  *policy.Holder // the card's account at the centre; nil when none
	Related []relatedView  // a charge's voids, a void's charge
}

// lineView is one line of a record's page, amounts as yuan.
type lineView struct {
	Code, Name, Barcode, RxID              string
	Qty                                    int64
	UnitPrice, Amount, Account, Cash, Days string
}

// relatedView links a record to another.
type relatedView struct {
	Kind, TxnID, URL, When string
	Seq                    uint64
}

// detailViews prepares d for the page in p's language.
func (p page) detailViews(d centre.RecordDetail) ([]lineView, []relatedView) {
	var lines []lineView
	for _, l := range d.Lines {
		lines = append(lines, lineView{Code: l.Code, Name: l.Name, Barcode: l.Barcode, RxID: l.RxID, Qty: l.Qty,
			UnitPrice: money.Fen(l.UnitPrice).String(), Amount: money.Fen(l.Amount).String(),
			Account: money.Fen(l.Account).String(), Cash: money.Fen(l.Cash).String(),
			Days: fmt.Sprintf("%d.%01d", l.Days/1000, l.Days%1000/100)})
	}
	var related []relatedView
	for _, x := range d.Related {
		related = append(related, relatedView{Kind: p.T("kind_" + x.Kind), TxnID: x.TxnID, URL: txnURL(x),
			When: formatWhen(x.At, p.loc), Seq: x.Seq})
	}
	return lines, related
}

var kinds = []string{wire.KindCharge, wire.KindVoid, wire.KindRefusal, wire.KindQuote}

// transactions is GET /console/: the filtered list, newest first.
func (h *Handler) transactions(w http.ResponseWriter, c *request) {
	q := c.r.URL.Query()
	data := txnListData{Kinds: kinds, Form: txnFilterForm{
		Pharmacy: q.Get("pharmacy"), Terminal: q.Get("terminal"), CardNo: q.Get("card_no"),
		Kind: q.Get("kind"), From: q.Get("from"), To: q.Get("to"), Flagged: q.Get("flagged") == "1",
		Held: q.Get("held") == "1", Cashier: q.Get("cashier"), Code: q.Get("code"),
		MinYuan: q.Get("min_yuan"), MaxYuan: q.Get("max_yuan"),
	}}
	nav := "txns"
	if data.Form.Flagged || data.Form.Held {
		nav = "queue"
	}
	f, cur, err := filterOf(q, c.loc)
	if err != nil {
		p := c.page("txns_title", nav, data)
		p.Error = badQuery(c.lang, err)
		h.render(w, http.StatusBadRequest, "transactions.html", p)
		return
	}
	asCSV := q.Get("format") == "csv" // the download of the list (checked by filterOf)
	if asCSV && q.Get("limit") == "" {
		f.Limit = api.MaxLimit
	}
	txns, err := h.centre.Transactions(c.r.Context(), cur.apply(f))
	if err != nil {
		h.log.Error("console: list transactions", "err", err)
		h.message(w, c, http.StatusInternalServerError, "txns_title", texts.T(c.lang, "storage_error"))
		return
	}
	txns = cur.trim(txns)
	if asCSV {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="transactions.csv"`)
		if err := api.WriteTxnCSV(csv.NewWriter(w), txns, c.loc); err != nil {
			h.log.Error("console: transactions csv", "err", err)
		}
		return
	}
	p := c.page("txns_title", nav, nil)
	data.Rows = make([]txnRow, len(txns))
	var total, account, cash money.Fen
	for i, t := range txns {
		data.Rows[i] = p.listRow(t)
		total, account, cash = total+money.Fen(t.Total), account+money.Fen(t.Account), money.Fen(t.Cash)+cash
	}
	data.Total, data.Account, data.Cash = total.String(), account.String(), cash.String()
	export := url.Values{}
	for k, v := range q {
		if k != "before" && k != "skip" && k != "lang" && k != "limit" {
			export[k] = v
		}
	}
	export.Set("format", "csv")
	data.CSV = (&url.URL{Path: prefix, RawQuery: export.Encode()}).String()
	if len(txns) > 0 && len(txns) == f.Limit {
		next := cur.next(txns)
		q.Set("before", next.At.Format(time.RFC3339Nano))
		q.Set("skip", strconv.Itoa(next.Skip))
		q.Del("lang")
		data.Older = (&url.URL{Path: prefix, RawQuery: q.Encode()}).String()
	}
	p.Data = data
	h.render(w, http.StatusOK, "transactions.html", p)
}

// filterOf reads the list's query: the supervisor API's parameters
// (api.ParseFilter, days in loc) with the amounts in yuan (min_yuan,
// max_yuan, for the API's min_account and max_account in fen; empty is
// no condition), lang, and the paging cursor (before, skip).
func filterOf(q url.Values, loc *time.Location) (store.Filter, listCursor, error) {
	params := url.Values{}
	for k, v := range q {
		switch {
		case k == "lang" || k == "before" || k == "skip":
		case k == "min_yuan" || k == "max_yuan":
			if len(v) > 1 {
				return store.Filter{}, listCursor{}, api.NewParamError(k, api.ParamRepeated, "parameter %q given %d times", k, len(v))
			}
			if v[0] == "" { // the form's empty field
				continue
			}
			fen, err := money.ParseYuan(v[0])
			if err != nil || fen < 0 {
				return store.Filter{}, listCursor{}, api.NewParamError(k, api.ParamMalformed, "%s %q: want yuan such as 12.50", k, v[0])
			}
			params.Set(strings.TrimSuffix(k, "_yuan")+"_account", strconv.FormatInt(int64(fen), 10))
		default:
			params[k] = v
		}
	}
	f, err := api.ParseFilter(params, loc)
	if err != nil {
		return f, listCursor{}, err
	}
	if f.Limit == 0 {
		f.Limit = pageSize
	}
	cur, err := parseCursor(q)
	return f, cur, err
}

// txn is GET /console/txn/{terminal}/{seq}: one transaction with
// every reason's evidence, its ruling history and, while its hold awaits
// a ruling, the ruling form. After a ruling (?ruled=state) it says what
// the ruling did.
func (h *Handler) txn(w http.ResponseWriter, c *request) {
	seq, err := strconv.ParseUint(c.r.PathValue("seq"), 10, 64)
	if err != nil || seq == 0 {
		h.message(w, c, http.StatusNotFound, "not_found_title", texts.T(c.lang, "txn_not_found"))
		return
	}
	h.showTxn(w, c, c.r.PathValue("terminal"), seq, http.StatusOK, "", "")
}

// showTxn renders a record's page with status, an error message (from
// the catalogue) and the note of a failed ruling to show again.
func (h *Handler) showTxn(w http.ResponseWriter, c *request, terminal string, seq uint64, status int, errMsg, note string) {
	t, found, err := h.findTxn(c.r.Context(), terminal, seq, c.r.URL.Query().Get("at"))
	if err != nil {
		h.log.Error("console: find transaction", "terminal", terminal, "seq", seq, "err", err)
		h.message(w, c, http.StatusInternalServerError, "txn_title", texts.T(c.lang, "storage_error"))
		return
	}
	if !found {
		h.message(w, c, http.StatusNotFound, "not_found_title", texts.T(c.lang, "txn_not_found"))
		return
	}
	rv, err := h.rulingsOf(c, t)
	if err != nil {
		h.log.Error("console: rulings", "terminal", terminal, "seq", seq, "err", err)
		h.message(w, c, http.StatusInternalServerError, "txn_title", texts.T(c.lang, "storage_error"))
		return
	}
	rv.Note = note
	detail, err := h.centre.RecordDetail(c.r.Context(), t)
	if err != nil {
		h.log.Error("console: record detail", "terminal", terminal, "seq", seq, "err", err)
		h.message(w, c, http.StatusInternalServerError, "txn_title", texts.T(c.lang, "storage_error"))
		return
	}
	data := txnDetailData{Txn: t, Reasons: viewReasons(t.Reasons), Rulings: rv, Holder: detail.Holder}
	p := c.page("txn_title", "txns", data)
	data.Lines, data.Related = p.detailViews(detail)
	p.Data = data
	p.Error = errMsg
	if ruled := c.r.URL.Query().Get("ruled"); errMsg == "" && ruled != "" && texts["ruled_"+ruled][0] != "" {
		p.Notice = texts.T(c.lang, "ruled_"+ruled)
	}
	h.render(w, status, "txn.html", p)
}

// findTxn finds a terminal's record by seq. With the record's time as a
// hint (the list links carry it) one index lookup finds it; without, the
// terminal's latest api.MaxLimit records are searched.
func (h *Handler) findTxn(ctx context.Context, terminal string, seq uint64, at string) (store.Txn, bool, error) {
	if terminal == "" {
		return store.Txn{}, false, nil
	}
	filters := []store.Filter{{Terminal: terminal, Limit: api.MaxLimit}}
	if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
		hinted := store.Filter{Terminal: terminal, From: t, To: t.Add(time.Nanosecond), Limit: api.MaxLimit}
		filters = append([]store.Filter{hinted}, filters...)
	}
	for _, f := range filters {
		txns, err := h.centre.Transactions(ctx, f)
		if err != nil {
			return store.Txn{}, false, err
		}
		for _, t := range txns {
			if t.Seq == seq {
				return t, true, nil
			}
		}
	}
	return store.Txn{}, false, nil
}
