package cashier

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"posagent/internal/money"
	"posagent/policy"
)

func TestItemLookupByBarcodeAndCode(t *testing.T) {
	w := newWorld(t)
	c := w.client(true)
	var it ItemView
	if st := w.call(c, "GET", "/cashier/api/item?barcode=6901234500011", nil, &it, false); st != http.StatusOK {
		t.Fatalf("barcode look-up: %d", st)
	}
	if it.Code != "D0001" || !strings.HasPrefix(it.Name, "二甲双胍片") || it.Forbidden || !it.Rx || it.PriceCap.Text != "¥25.00" {
		t.Errorf("D0001 by barcode: %+v", it)
	}
	it = ItemView{}
	w.call(c, "GET", "/cashier/api/item?code=D0015", nil, &it, false)
	if it.Barcodes[0] != "6901234500158" || !it.Forbidden || it.Category != "health_food" {
		t.Errorf("D0015 by code: %+v", it)
	}
	var e apiError
	if st := w.call(c, "GET", "/cashier/api/item?barcode=1234", nil, &e, false); st != http.StatusNotFound || e.Code != CodeItemUnknown || !strings.Contains(e.MessageZh, "不在医保目录中") {
		t.Errorf("unknown barcode: %d %+v", st, e)
	}
}

func TestCardIsTheOneInTheReader(t *testing.T) {
	w := newWorld(t)
	c := w.client(true)
	var e apiError
	if st := w.call(c, "GET", "/cashier/api/card", nil, &e, false); st != http.StatusNotFound || e.Code != "NO_CARD" || e.MessageZh == "" {
		t.Errorf("no card: %d %+v", st, e)
	}
	w.insertCard()
	var card struct {
		CardNo string `json:"card_no"`
		Name   string `json:"name"`
	}
	if st := w.call(c, "GET", "/cashier/api/card", nil, &card, false); st != http.StatusOK || card.CardNo != "A00000001" || card.Name != "张三" {
		t.Errorf("card: %d %+v", st, card)
	}
}

var sampleCart = QuoteForm{Cashier: "C01", Lines: []LineForm{
	{Code: "D0001", Barcode: "6901234500011", Qty: "1", Price: "23.8", RxID: "RX-1"},
	{Barcode: "6901234500158", Qty: "1", Price: "¥168"}, // code from the barcode
}}

func TestQuoteParsesPricesExactlyAndExplainsEveryLine(t *testing.T) {
	w := newWorld(t)
	w.insertCard()
	c := w.client(true)
	var q QuoteView
	if st := w.call(c, "POST", "/cashier/api/quote", sampleCart, &q, false); st != http.StatusOK {
		t.Fatalf("quote: %d", st)
	}
	if len(q.Lines) != 2 || q.Lines[0].UnitPrice.Fen != 2380 || q.Lines[1].UnitPrice.Fen != 16800 || q.Lines[1].Code != "D0015" {
		t.Fatalf("lines: %+v", q.Lines)
	}
	if q.Lines[1].Name != "蛋白粉 400g" || q.Lines[0].RxID != "RX-1" {
		t.Errorf("line names: %q %q", q.Lines[0].Name, q.Lines[1].Name)
	}
	var sumAccount, sumCash int64
	for _, l := range q.Lines {
		if l.Account.Fen+l.Cash.Fen != l.Amount.Fen || l.Amount.Text != money.Fen(l.Amount.Fen).String() {
			t.Errorf("line %s: account %d + cash %d != amount %d (%s)", l.Code, l.Account.Fen, l.Cash.Fen, l.Amount.Fen, l.Amount.Text)
		}
		sumAccount += l.Account.Fen
		sumCash += l.Cash.Fen
	}
	if q.Total.Fen != 19180 || q.Total.Text != "¥191.80" || sumAccount != q.AccountTotal.Fen || sumCash != q.CashTotal.Fen {
		t.Errorf("totals: %+v %+v %+v", q.Total, q.AccountTotal, q.CashTotal)
	}
	forbidden := reasonOf(q.Lines[1].Reasons, policy.ItemForbidden)
	if forbidden == nil || forbidden.Severity != policy.Block || !strings.Contains(forbidden.MessageZh, "保健品") || q.Lines[1].Account.Fen != 0 {
		t.Errorf("protein powder: %+v", q.Lines[1])
	}
	if q.Required == nil || q.Reasons == nil {
		t.Error("required and reasons must be lists, never null")
	}
}

func reasonOf(rs []policy.Reason, c policy.Code) *policy.Reason {
	for i := range rs {
		if rs[i].Code == c {
			return &rs[i]
		}
	}
	return nil
}

func TestQuoteRefusesBadInputInBothLanguages(t *testing.T) {
	w := newWorld(t)
	w.insertCard()
	c := w.client(true)
	good := LineForm{Code: "D0004", Qty: "1", Price: "9.90"}
	cases := []struct {
		name   string
		form   QuoteForm
		code   string
		wantZh string
	}{
		{"no cashier", QuoteForm{Lines: []LineForm{good}}, CodeCashierMissing, "收银员工号"},
		{"no lines", QuoteForm{Cashier: "C01"}, "BAD_REQUEST", "至少录入一个商品"},
		{"three decimals", QuoteForm{Cashier: "C01", Lines: []LineForm{good, {Code: "D0004", Qty: "1", Price: "9.905"}}}, "BAD_REQUEST", "第2行：单价"},
		{"price not a number", QuoteForm{Cashier: "C01", Lines: []LineForm{{Code: "D0004", Qty: "1", Price: "abc"}}}, "BAD_REQUEST", "第1行：单价"},
		{"fractional qty", QuoteForm{Cashier: "C01", Lines: []LineForm{{Code: "D0004", Qty: "1.5", Price: "9.90"}}}, "BAD_REQUEST", "第1行：数量"},
		{"zero qty", QuoteForm{Cashier: "C01", Lines: []LineForm{{Code: "D0004", Qty: "0", Price: "9.90"}}}, "BAD_REQUEST", "第1行：数量"},
		{"unknown barcode", QuoteForm{Cashier: "C01", Lines: []LineForm{{Barcode: "999", Qty: "1", Price: "1"}}}, "BAD_REQUEST", "第1行：请录入医保编码"},
	}
	for _, tc := range cases {
		var e apiError
		st := w.call(c, "POST", "/cashier/api/quote", tc.form, &e, false)
		if st != http.StatusBadRequest || e.Code != tc.code || !strings.Contains(e.MessageZh, tc.wantZh) || e.Message == "" {
			t.Errorf("%s: %d %+v, want 400 %s with %q", tc.name, st, e, tc.code, tc.wantZh)
		}
	}
	var e apiError
	if st := w.call(c, "POST", "/cashier/api/quote", "not an object", &e, false); st != http.StatusBadRequest {
		t.Errorf("malformed JSON: %d %+v", st, e)
	}
	// The page's bodies are strict: JSON by Content-Type, no unknown field.
	for name, req := range map[string]struct{ ct, body string }{
		"no Content-Type": {"", `{"cashier":"C01","lines":[{"code":"D0004","qty":"1","price":"9.90"}]}`},
		"a form":          {"application/x-www-form-urlencoded", `{"cashier":"C01","lines":[{"code":"D0004","qty":"1","price":"9.90"}]}`},
		"unknown field":   {"application/json", `{"cashier":"C01","card_no":"B1","lines":[{"code":"D0004","qty":"1","price":"9.90"}]}`},
	} {
		r, _ := http.NewRequest("POST", w.srv.URL+"/cashier/api/quote", strings.NewReader(req.body))
		r.Header.Set(csrfHeader, "1")
		if req.ct != "" {
			r.Header.Set("Content-Type", req.ct)
		}
		res, err := c.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		var e apiError
		_ = json.NewDecoder(res.Body).Decode(&e)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || e.Code != "BAD_REQUEST" || !strings.Contains(e.MessageZh, "请求格式错误") {
			t.Errorf("%s: %d %+v, want 400 BAD_REQUEST", name, res.StatusCode, e)
		}
	}
	if seq := w.j.LastSeq(); seq != 0 {
		t.Errorf("journal has %d records after refused quotes, want 0", seq)
	}
}

func TestQuoteWithoutACardSaysSoInChinese(t *testing.T) {
	w := newWorld(t)
	c := w.client(true)
	var e apiError
	if st := w.call(c, "POST", "/cashier/api/quote", sampleCart, &e, false); st != http.StatusConflict || e.Code != "NO_CARD" || !strings.Contains(e.MessageZh, "请刷卡") {
		t.Errorf("quote without a card: %d %+v", st, e)
	}
}

func TestChargeOncePerQuoteThenVoidOnce(t *testing.T) {
	w := newWorld(t)
	w.insertCard()
	c := w.client(true)
	var q QuoteView
	w.call(c, "POST", "/cashier/api/quote", sampleCart, &q, false)
	var r1, r2 ReceiptView
	if st := w.call(c, "POST", "/cashier/api/charge", ChargeForm{QuoteID: q.QuoteID}, &r1, false); st != http.StatusOK || r1.TxnID == "" {
		t.Fatalf("charge: %d %+v", st, r1)
	}
	if r1.CashDue.Fen != q.CashTotal.Fen || r1.AccountPaid.Fen != q.AccountTotal.Fen || r1.Settled != "offline" || r1.CashDue.Text != "¥191.80" {
		t.Errorf("receipt %+v does not match quote %+v", r1, q)
	}
	// A double click: the same quote again gets the same receipt.
	if st := w.call(c, "POST", "/cashier/api/charge", ChargeForm{QuoteID: q.QuoteID}, &r2, false); st != http.StatusOK || r2.TxnID != r1.TxnID || r2.Seq != r1.Seq {
		t.Errorf("second charge of the same quote: %d %+v, want the first receipt %s", st, r2, r1.TxnID)
	}
	var list struct{ Transactions []TxnView }
	w.call(c, "GET", "/cashier/api/transactions", nil, &list, false)
	if len(list.Transactions) != 1 || list.Transactions[0].TxnID != r1.TxnID || list.Transactions[0].VoidedBy != "" {
		t.Fatalf("today's charges: %+v", list.Transactions)
	}

	var e apiError
	if st := w.call(c, "POST", "/cashier/api/void", map[string]string{"txn_id": r1.TxnID, "cashier": "C01"}, &e, false); st != http.StatusBadRequest || !strings.Contains(e.MessageZh, "撤销原因") {
		t.Errorf("void without a reason: %d %+v", st, e)
	}
	var v VoidView
	if st := w.call(c, "POST", "/cashier/api/void", map[string]string{"txn_id": r1.TxnID, "cashier": "C01", "reason": "顾客退货"}, &v, false); st != http.StatusOK || v.Reverses != r1.TxnID {
		t.Fatalf("void: %d %+v", st, v)
	}
	w.call(c, "GET", "/cashier/api/transactions", nil, &list, false)
	if len(list.Transactions) != 1 || list.Transactions[0].VoidedBy != v.TxnID {
		t.Errorf("after the void: %+v", list.Transactions)
	}
	e = apiError{}
	if st := w.call(c, "POST", "/cashier/api/void", map[string]string{"txn_id": r1.TxnID, "cashier": "C01", "reason": "again"}, &e, false); st != http.StatusConflict || e.Code != "VOID_REFUSED" || !strings.Contains(e.MessageZh, "已撤销") {
		t.Errorf("second void: %d %+v", st, e)
	}
}
