package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	gosync "sync"
	"time"

	"posagent/policy"
	"posagent/sync/wire"
)

// QuoteRequest is the body of POST /v1/quote.
type QuoteRequest struct {
	Cashier string        `json:"cashier"`
	Lines   []policy.Line `json:"lines"`
}

// Quote is the answer to a quote: what would be paid from the account and
// in cash, and why.
type Quote struct {
	QuoteID      string                `json:"quote_id"`
	ExpiresAt    time.Time             `json:"expires_at"`
	CardNo       string                `json:"card_no"`
	RulesVersion int64                 `json:"rules_version"`
	Balance      int64                 `json:"balance"`
	Offline      bool                  `json:"offline"`
	Lines        []policy.LineDecision `json:"lines"`
	Total        int64                 `json:"total"`
	AccountTotal int64                 `json:"account_total"`
	CashTotal    int64                 `json:"cash_total"`
	Reasons      []policy.Reason       `json:"reasons"`
	Required     []policy.Code         `json:"required"`
}

// Limits on what a POS may send.
const (
	maxLines     = 200
	maxQty       = 100000
	maxUnitPrice = 100_000_000 // one million yuan
	maxTextField = 128
)

func (r QuoteRequest) validate() error {
	if len(r.Cashier) == 0 || len(r.Cashier) > maxTextField {
		return badRequest("cashier is required (at most %d bytes)", maxTextField)
	}
	if len(r.Lines) == 0 || len(r.Lines) > maxLines {
		return badRequest("lines must hold 1 to %d lines, got %d", maxLines, len(r.Lines))
	}
	for i, l := range r.Lines {
		switch {
		case strings.TrimSpace(l.Code) == "" || len(l.Code) > maxTextField:
			return badRequest("lines[%d].code is required", i)
		case l.Qty <= 0 || l.Qty > maxQty:
			return badRequest("lines[%d].qty must be a positive integer up to %d, got %d", i, maxQty, l.Qty)
		case l.UnitPrice < 0 || l.UnitPrice > maxUnitPrice:
			return badRequest("lines[%d].unit_price must be 0 to %d fen, got %d", i, maxUnitPrice, l.UnitPrice)
		case len(l.Barcode) > maxTextField || len(l.RxID) > maxTextField:
			return badRequest("lines[%d]: barcode and rx_id are at most %d bytes", i, maxTextField)
		}
	}
	return nil
}

// quote is a quote kept until it is charged or expires.
type quote struct {
	Quote
	req       QuoteRequest
	sessionID uint64
}

type quoteStore struct {
	mu gosync.Mutex
	m  map[string]*quote
}

func (s *quoteStore) init() { s.m = make(map[string]*quote) }

func (s *quoteStore) put(q *quote, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.m {
		if now.After(old.ExpiresAt) {
			delete(s.m, id)
		}
	}
	s.m[q.QuoteID] = q
}

func (s *quoteStore) get(id string) *quote {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

func (s *quoteStore) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// newID returns a random identifier with a prefix.
func newID(prefix string) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the OS has no randomness: nothing safe to do
	}
	return prefix + hex.EncodeToString(b[:])
}

// evaluation is one run of policy for the card in the reader.
type evaluation struct {
	session  *session
	bundle   *policy.Bundle
	input    policy.Input
	decision policy.Decision
	offline  bool
}

// evaluate runs policy for lines against the current card.
func (a *Agent) evaluate(ctx context.Context, s *session, lines []policy.Line) (evaluation, error) {
	b := a.bundle.Load()
	if b == nil {
		return evaluation{}, newError(CodeNoRules, nil)
	}
	wctx, cancel := context.WithTimeout(ctx, a.cfg.AccountWait+500*time.Millisecond)
	waitLookup(wctx, s)
	cancel()
	now := a.now()
	historyDays := b.Rules.HistoryDays
	if historyDays <= 0 {
		historyDays = 90
	}
	holder, hist, err := a.sessionInputs(s, now, historyDays)
	if err != nil {
		return evaluation{}, newError(CodeInternal, fmt.Errorf("card history: %w", err))
	}
	// Without a fresh answer from the centre the sale is decided as offline
	// (limits, staleness), even if the link still looks up.
	offline := !a.connected() || hist.Partial
	cardUnsynced, termUnsynced := a.j.Unsynced(s.card.CardNo)
	in := policy.Input{
		Now:                 now,
		Terminal:            a.cfg.Terminal,
		Card:                a.policyCard(s),
		Holder:              holder,
		Lines:               lines,
		History:             hist,
		Swipes:              a.recentSwipes(),
		Offline:             offline,
		LastContact:         a.lastContact(),
		OfflineCardUsed:     cardUnsynced,
		OfflineTerminalUsed: termUnsynced,
	}
	return evaluation{session: s, bundle: b, input: in, decision: policy.Evaluate(b, in), offline: offline}, nil
}

// Quote evaluates a cart for the card in the reader. The decision is
// journaled as a quote record (not a sale) and kept for the charge.
func (a *Agent) Quote(ctx context.Context, req QuoteRequest) (Quote, error) {
	if err := req.validate(); err != nil {
		return Quote{}, err
	}
	if a.journalReplaced() {
		// A quote is journaled too; an empty journal can still be rebased.
		return Quote{}, newError(CodeJournalReplaced, nil)
	}
	s := a.currentSession()
	if s == nil {
		return Quote{}, newError(CodeNoCard, nil)
	}
	ev, err := a.evaluate(ctx, s, req.Lines)
	if err != nil {
		return Quote{}, err
	}
	now := ev.input.Now
	ttl := time.Duration(ev.bundle.Rules.QuoteTTLS) * time.Second
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	d := ev.decision
	q := &quote{
		Quote: Quote{
			QuoteID: newID("q-"), ExpiresAt: now.Add(ttl), CardNo: s.card.CardNo,
			RulesVersion: ev.bundle.Version, Offline: ev.offline,
			Lines: d.Lines, Total: d.Total, AccountTotal: d.AccountTotal, CashTotal: d.CashTotal,
			Reasons: d.Reasons, Required: d.Required,
		},
		req: req, sessionID: s.id,
	}
	if ev.input.Holder != nil {
		q.Balance = ev.input.Holder.Balance
	}
	rec := a.recordFor(wire.KindQuote, ev, req.Cashier)
	rec.QuoteID = q.QuoteID
	if _, _, err := a.j.Append(rec); err != nil {
		return Quote{}, newError(CodeJournalFailed, fmt.Errorf("journal quote: %w", err))
	}
	a.kick()
	a.quotes.put(q, now)
	a.obs.Quoted(q.Quote)
	return q.Quote, nil
}

// recordFor builds a journal record from an evaluation.
func (a *Agent) recordFor(kind string, ev evaluation, cashier string) wire.Record {
	d := ev.decision
	rec := wire.Record{
		Kind: kind, At: ev.input.Now, CardNo: ev.session.card.CardNo, Cashier: cashier,
		RulesVersion: ev.bundle.Version, Offline: ev.offline,
		Total: d.Total, Account: d.AccountTotal, Cash: d.CashTotal, Reasons: d.Reasons,
		CardRead: a.cardRead(ev.session),
	}
	for i, l := range ev.input.Lines {
		ld := d.Lines[i]
		rec.Lines = append(rec.Lines, wire.Line{
			Code: l.Code, Barcode: l.Barcode, Qty: l.Qty, UnitPrice: l.UnitPrice, RxID: l.RxID,
			Amount: ld.Amount, Account: ld.Account, Cash: ld.Cash, Days: ld.Days, Reasons: ld.Reasons,
		})
	}
	return rec
}

func (a *Agent) kick() {
	if c := a.centreClient(); c != nil {
		c.Kick()
	}
}
