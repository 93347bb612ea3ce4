package cashier

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"posagent/agent"
	"posagent/internal/money"
	"posagent/internal/web"
	"posagent/policy"
)

// QuoteForm is the page's cart as the cashier typed it: quantities and
// prices are text (prices in yuan) and are parsed here, exactly.
type QuoteForm struct {
	Cashier string     `json:"cashier"`
	Lines   []LineForm `json:"lines"`
}

// LineForm is one cart line as typed. Code may be empty when Barcode names
// a catalogue item.
type LineForm struct {
	Code    string `json:"code"`
	Barcode string `json:"barcode"`
	Qty     string `json:"qty"`
	Price   string `json:"price"` // yuan, e.g. "23.80"
	RxID    string `json:"rx_id"`
}

// maxCashier bounds the cashier id (the agent's own limit).
const maxCashier = 128

// lines turns the form into the agent's request, or says in both
// languages which line is wrong.
func (f QuoteForm) request(cat *policy.Catalogue) (agent.QuoteRequest, *agent.Error) {
	req := agent.QuoteRequest{Cashier: strings.TrimSpace(f.Cashier)}
	if req.Cashier == "" || len(req.Cashier) > maxCashier {
		t := texts["need_cashier"]
		return req, pageError(CodeCashierMissing, t[1], t[0])
	}
	if len(f.Lines) == 0 {
		t := texts["need_lines"]
		return req, badInput(t[1], t[0])
	}
	for i, lf := range f.Lines {
		l, err := lf.line(i+1, cat)
		if err != nil {
			return req, err
		}
		req.Lines = append(req.Lines, l)
	}
	return req, nil
}

func (lf LineForm) line(n int, cat *policy.Catalogue) (policy.Line, *agent.Error) {
	l := policy.Line{Code: strings.TrimSpace(lf.Code), Barcode: strings.TrimSpace(lf.Barcode), RxID: strings.TrimSpace(lf.RxID)}
	if l.Code == "" && l.Barcode != "" {
		l.Code, _ = cat.CodeForBarcode(l.Barcode)
	}
	if l.Code == "" {
		return l, badInput(fmt.Sprintf("Line %d: enter a catalogue code or a barcode of the catalogue", n),
			fmt.Sprintf("第%d行：请录入医保编码或目录中的条码", n))
	}
	qty, err := ParseQty(lf.Qty)
	if err != nil {
		return l, badInput(fmt.Sprintf("Line %d: the quantity %q is not a whole number from 1 to 100000", n, lf.Qty),
			fmt.Sprintf("第%d行：数量“%s”应为1至100000的整数", n, lf.Qty))
	}
	price, err := money.ParseYuan(lf.Price)
	if err != nil {
		return l, badInput(fmt.Sprintf("Line %d: the unit price %q is not yuan with at most two decimals, like 23.80", n, lf.Price),
			fmt.Sprintf("第%d行：单价“%s”格式不正确，应为元，最多两位小数，如 23.80", n, lf.Price))
	}
	l.Qty, l.UnitPrice = qty, int64(price)
	return l, nil
}

func (h *Handler) quote(w http.ResponseWriter, r *http.Request) {
	var f QuoteForm
	if !decode(w, r, &f) {
		return
	}
	var cat *policy.Catalogue
	if b := h.agent.Bundle(); b != nil {
		cat = b.Catalogue
	}
	req, perr := f.request(cat)
	if perr != nil {
		writeError(w, perr)
		return
	}
	q, err := h.agent.Quote(r.Context(), req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, quoteView(q, req.Lines, cat))
}

// ChargeForm charges a quote with the codes the cashier ticked.
type ChargeForm struct {
	QuoteID string        `json:"quote_id"`
	Confirm []policy.Code `json:"confirm"`
	Note    string        `json:"note"`
}

// idempotencyKey is derived from the quote: a quote is charged at most
// once, so a double click or a retry after a lost answer gets the first
// receipt and never a second charge.
func idempotencyKey(quoteID string) string { return "cashier:" + quoteID }

func (h *Handler) charge(w http.ResponseWriter, r *http.Request) {
	var f ChargeForm
	if !decode(w, r, &f) {
		return
	}
	// The charge runs to its own bounds even if the browser goes away.
	c, err := h.agent.Charge(context.WithoutCancel(r.Context()), agent.ChargeRequest{
		QuoteID: f.QuoteID, IdempotencyKey: idempotencyKey(f.QuoteID), Confirm: f.Confirm, Note: f.Note,
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, receiptView(c, h.agent.Now()))
}

func (h *Handler) void(w http.ResponseWriter, r *http.Request) {
	var req agent.VoidRequest
	if !decode(w, r, &req) {
		return
	}
	req.Cashier = strings.TrimSpace(req.Cashier)
	if req.Cashier == "" {
		t := texts["need_cashier"]
		writeError(w, pageError(CodeCashierMissing, t[1], t[0]))
		return
	}
	if strings.TrimSpace(req.Reason) == "" {
		t := texts["need_reason"]
		writeError(w, badInput(t[1], t[0]))
		return
	}
	v, err := h.agent.Void(context.WithoutCancel(r.Context()), req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, VoidView{TxnID: v.TxnID, Seq: v.Seq, Reverses: v.Reverses, AccountRefunded: moneyOf(v.AccountRefunded)})
}

// transactions lists today's charges of this terminal for the void list.
func (h *Handler) transactions(w http.ResponseWriter, r *http.Request) {
	txns, err := h.agent.Transactions(h.agent.Now(), "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"transactions": todaysCharges(txns)})
}

// fail writes an agent error, logging the ones that are not the cashier's
// doing.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := agent.AsError(err)
	if statusOf(e) >= 500 {
		h.log.Error("cashier page request failed", "path", r.URL.Path, "code", e.Code, "err", err)
	}
	writeError(w, e)
}
