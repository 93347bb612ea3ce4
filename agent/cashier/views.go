package cashier

import (
	"time"

	"posagent/agent"
	"posagent/internal/money"
	"posagent/policy"
	"posagent/sync/wire"
)

// Money is an amount as the page shows it: the fen the agent computed and
// the same amount written by internal/money (¥yuan.fen). The page never
// does arithmetic on money; it shows Text.
type Money struct {
	Fen  int64  `json:"fen"`
	Text string `json:"text"`
}

// moneyOf builds the page's form of an amount in fen.
func moneyOf(fen int64) Money { return Money{Fen: fen, Text: money.Fen(fen).String()} }

// QuoteView is a quote as the page shows it: amounts as Money, every line
// with its catalogue name, and the checks to confirm with their labels.
type QuoteView struct {
	QuoteID      string          `json:"quote_id"`
	ExpiresAt    time.Time       `json:"expires_at"`
	CardNo       string          `json:"card_no"`
	RulesVersion int64           `json:"rules_version"`
	Offline      bool            `json:"offline"`
	Balance      Money           `json:"balance"`
	Lines        []LineView      `json:"lines"`
	Total        Money           `json:"total"`
	AccountTotal Money           `json:"account_total"`
	CashTotal    Money           `json:"cash_total"`
	Reasons      []policy.Reason `json:"reasons"`
	Required     []Confirmation  `json:"required"`
}

// LineView is one line of a quote.
type LineView struct {
	Code      string          `json:"code"`
	Name      string          `json:"name"`
	Barcode   string          `json:"barcode"`
	Qty       int64           `json:"qty"`
	RxID      string          `json:"rx_id"`
	UnitPrice Money           `json:"unit_price"`
	Amount    Money           `json:"amount"`
	Account   Money           `json:"account"`
	Cash      Money           `json:"cash"`
	Reasons   []policy.Reason `json:"reasons"`
}

// Confirmation is a code the cashier must confirm, with the checkbox's
// label in both languages.
type Confirmation struct {
	Code    policy.Code `json:"code"`
	Label   string      `json:"label"`
	LabelZh string      `json:"label_zh"`
}

// ReceiptView is a charge as the page shows it.
type ReceiptView struct {
	TxnID        string          `json:"txn_id"`
	Seq          uint64          `json:"seq"`
	At           time.Time       `json:"at"`
	CardNo       string          `json:"card_no"`
	AccountPaid  Money           `json:"account_paid"`
	CashDue      Money           `json:"cash_due"`
	BalanceAfter Money           `json:"balance_after"`
	Settled      string          `json:"settled"`
	Proof        string          `json:"proof"` // agent.Charge.Proof
	Reasons      []policy.Reason `json:"reasons"`
}

// VoidView is a void as the page shows it.
type VoidView struct {
	TxnID           string `json:"txn_id"`
	Seq             uint64 `json:"seq"`
	Reverses        string `json:"reverses"`
	AccountRefunded Money  `json:"account_refunded"`
}

// TxnView is one of today's charges in the page's list.
type TxnView struct {
	TxnID    string    `json:"txn_id"`
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`
	CardNo   string    `json:"card_no"`
	Cashier  string    `json:"cashier"`
	Total    Money     `json:"total"`
	Account  Money     `json:"account"`
	Cash     Money     `json:"cash"`
	Synced   bool      `json:"synced"`
	VoidedBy string    `json:"voided_by,omitempty"` // the void's txn id
}

// ItemView is a catalogue item found by barcode or code.
type ItemView struct {
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	Barcodes  []string `json:"barcodes"`
	Class     string   `json:"class"`
	Category  string   `json:"category"`
	Rx        bool     `json:"rx"`
	PriceCap  Money    `json:"price_cap"`
	Forbidden bool     `json:"forbidden"` // its category is never paid from the account
}

// quoteView builds the page's view of a quote. cat names the lines; it may
// be nil (names are then empty).
func quoteView(q agent.Quote, lines []policy.Line, cat *policy.Catalogue) QuoteView {
	v := QuoteView{
		QuoteID: q.QuoteID, ExpiresAt: q.ExpiresAt, CardNo: q.CardNo, RulesVersion: q.RulesVersion,
		Offline: q.Offline, Balance: moneyOf(q.Balance), Total: moneyOf(q.Total),
		AccountTotal: moneyOf(q.AccountTotal), CashTotal: moneyOf(q.CashTotal),
		Reasons: nonNil(q.Reasons), Lines: make([]LineView, 0, len(q.Lines)),
		Required: make([]Confirmation, 0, len(q.Required)),
	}
	for i, ld := range q.Lines {
		lv := LineView{
			Code: ld.Code, Amount: moneyOf(ld.Amount), Account: moneyOf(ld.Account),
			Cash: moneyOf(ld.Cash), Reasons: nonNil(ld.Reasons),
		}
		if i < len(lines) {
			l := lines[i]
			lv.Barcode, lv.Qty, lv.RxID, lv.UnitPrice = l.Barcode, l.Qty, l.RxID, moneyOf(l.UnitPrice)
		}
		if it, ok := cat.Item(ld.Code); ok {
			lv.Name = it.Name
		}
		v.Lines = append(v.Lines, lv)
	}
	for _, c := range q.Required {
		v.Required = append(v.Required, confirmationOf(c))
	}
	return v
}

// confirmationOf labels the checkbox for a code to confirm.
func confirmationOf(c policy.Code) Confirmation {
	if c == policy.IDCheckRequired {
		t := texts["id_check_label"]
		return Confirmation{Code: c, Label: t[1], LabelZh: t[0]}
	}
	en, zh := policy.Message(c)
	g := texts["confirm_generic"]
	return Confirmation{Code: c, Label: g[1] + ": " + en, LabelZh: g[0] + "：" + zh}
}

func receiptView(c agent.Charge, at time.Time) ReceiptView {
	return ReceiptView{
		TxnID: c.TxnID, Seq: c.Seq, At: at, CardNo: c.CardNo, AccountPaid: moneyOf(c.AccountPaid),
		CashDue: moneyOf(c.CashDue), BalanceAfter: moneyOf(c.BalanceAfter), Settled: c.Settled,
		Proof: c.Proof, Reasons: nonNil(c.Reasons),
	}
}

// todaysCharges lists the charges of a day, newest first, each marked with
// the void that reversed it, if any.
func todaysCharges(txns []agent.Transaction) []TxnView {
	voidedBy := map[string]string{}
	for _, t := range txns {
		if t.Kind == wire.KindVoid && t.Reverses != "" {
			voidedBy[t.Reverses] = t.TxnID
		}
	}
	out := []TxnView{}
	for i := len(txns) - 1; i >= 0; i-- {
		t := txns[i]
		if t.Kind != wire.KindCharge {
			continue
		}
		out = append(out, TxnView{
			TxnID: t.TxnID, Seq: t.Seq, At: t.At, CardNo: t.CardNo, Cashier: t.Cashier,
			Total: moneyOf(t.Total), Account: moneyOf(t.Account), Cash: moneyOf(t.Cash),
			Synced: t.Synced, VoidedBy: voidedBy[t.TxnID],
		})
	}
	return out
}

func itemView(it *policy.Item, rules policy.Rules) ItemView {
	v := ItemView{
		Code: it.Code, Name: it.Name, Barcodes: append([]string{}, it.Barcodes...), Class: it.Class,
		Category: it.Category, Rx: it.Rx, PriceCap: moneyOf(it.PriceCap),
	}
	for _, c := range rules.ForbiddenCategories {
		if c == it.Category {
			v.Forbidden = true
		}
	}
	return v
}

func nonNil(rs []policy.Reason) []policy.Reason {
	if rs == nil {
		return []policy.Reason{}
	}
	return rs
}
