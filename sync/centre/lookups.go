package centre

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"posagent/policy"
	"posagent/sync/centre/alerts"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// A terminal's account look-ups (SPEC §9): the terminal is not trusted
// with more than a sale needs, nor with as many as it likes, and each one
// is logged for supervisors.

// Defaults of Config.LookupRate and Config.LookupBurst: a pharmacy's
// queue at a swipe every second or so, after a burst of 30.
const (
	DefaultLookupRate  = 1.0
	DefaultLookupBurst = 30
)

// ErrRateLimited is returned (wrapped) by Lookup when the terminal is over
// its look-up rate. The look-up is logged, not answered.
var ErrRateLimited = errors.New("too many account look-ups from this terminal")

// ErrBadCardNo is returned (wrapped) by Lookup for a card number no
// account can have (CheckCardNo). The look-up is logged, not answered.
var ErrBadCardNo = errors.New("malformed card number")

// maxLoggedCard bounds how much of a malformed card number is logged.
const maxLoggedCard = 40

// Lookup answers a terminal's account look-up at a swipe without a proof
// of the card's presence: LookupProven with none.
func (c *Centre) Lookup(ctx context.Context, t store.Terminal, cardNo, personID string) (wire.AccountInfo, error) {
	return c.LookupProven(ctx, t, cardNo, personID, nil, nil)
}

// LookupProven answers a terminal's account look-up at a swipe: the
// account without the resident id (sex and birth date instead) or the
// name, and the card's purchases at other terminals in the history window
// the latest rules use (never longer than Config.HistoryDays).
//
// With Config.IssuerKey the centre judges the card's presence (SPEC §9,
// §10): proof, over a nonce issued on the terminal's connection and kept
// in nonces (LookupNonce), makes the answer whole and is not charged to
// the terminal's token bucket; without a valid one the answer is Reduced
// (status, balance, blocked mark; no history) and charged. Without an
// issuer key proof is ignored: every look-up is charged and answered whole.
// Over the bucket the answer is ErrRateLimited. Every look-up, answered or
// not, is logged (proven or not) before anything is answered: one that
// cannot be logged is not answered either.
//
// personID is the resident id the agent read from the card ("" when
// none): Holder.IDMismatch says whether it differs from the account's.
func (c *Centre) LookupProven(ctx context.Context, t store.Terminal, cardNo, personID string, proof *wire.LookupProof, nonces *LookupNonces) (wire.AccountInfo, error) {
	now := c.Now()
	entry := store.Lookup{Terminal: t.ID, Pharmacy: t.Pharmacy, CardNo: cardNo, At: now}
	judge := c.cfg.IssuerKey != nil
	if judge && proof != nil {
		if err := c.checkLookupProof(t, cardNo, proof, nonces, now); err != nil {
			c.log.Info("account look-up with a proof that does not hold; answered as unproven",
				"terminal", t.ID, "card_no", loggableCard(cardNo), "err", err)
		} else {
			entry.Proven = true
		}
	}
	var refusal error
	switch {
	case !entry.Proven && !c.buckets.take(t.ID, now):
		refusal = ErrRateLimited
	case CheckCardNo(cardNo) != nil:
		refusal = ErrBadCardNo
		entry.CardNo = loggableCard(cardNo)
	}
	if refusal != nil {
		entry.Refused = true
		if err := c.st.LogLookup(ctx, entry); err != nil {
			return wire.AccountInfo{}, fmt.Errorf("look-up by %s: %w", t.ID, err)
		}
		c.cfg.Observer.LookupRefused()
		return wire.AccountInfo{}, fmt.Errorf("look-up of %s by %s: %w", entry.CardNo, t.ID, refusal)
	}
	days, err := c.lookupDays(ctx)
	if err != nil {
		return wire.AccountInfo{}, err
	}
	full, err := c.accountInfo(ctx, cardNo, t.ID, now.AddDate(0, 0, -days))
	if err != nil {
		return wire.AccountInfo{}, err
	}
	entry.Found = full.Found
	if err := c.st.LogLookup(ctx, entry); err != nil {
		return wire.AccountInfo{}, fmt.Errorf("look-up of %s by %s: %w", cardNo, t.ID, err)
	}
	c.cfg.Observer.LookedUp(LookupAgent)
	mismatch := idMismatch(personID, full.Holder.PersonID)
	if judge && !entry.Proven {
		h := full.Holder
		reduced := policy.Holder{CardNo: h.CardNo, Status: h.Status, Balance: h.Balance, Blocked: h.Blocked, IDMismatch: mismatch}
		return wire.AccountInfo{Found: full.Found, Holder: reduced, Reduced: true}, nil
	}
	h := forTerminal(full.Holder)
	h.IDMismatch = mismatch
	return wire.AccountInfo{Found: full.Found, Holder: h, History: full.History}, nil
}

// idMismatch reports whether the resident id read from a card (read) and
// the account's (account) are both known and differ (a trailing x is X).
func idMismatch(read, account string) bool {
	norm := func(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }
	return norm(read) != "" && norm(account) != "" && norm(read) != norm(account)
}

// forTerminal is what a terminal needs of an account: status, balance,
// certified diseases, designated pharmacy, blocked mark, and the sex and
// birth date the age and sex rules need in place of the resident id.
func forTerminal(h policy.Holder) policy.Holder {
	out := policy.Holder{CardNo: h.CardNo, Status: h.Status, Balance: h.Balance, Diseases: h.Diseases,
		Pharmacy: h.Pharmacy, Blocked: h.Blocked, Sex: h.Sex, Birth: h.Birth}
	if sex, birth, err := policy.ParsePersonID(h.PersonID); err == nil {
		out.Sex, out.Birth = sex, birth
	}
	return out
}

// loggableCard is a malformed card number as the log keeps it: quoted
// (no NUL or invalid UTF-8 reaches the store) and cut short.
func loggableCard(s string) string {
	if len(s) > maxLoggedCard {
		s = s[:maxLoggedCard]
	}
	return strconv.QuoteToASCII(s)
}

// lookupDays is the history window of a terminal's answer: the latest
// published rules' history_days when it is shorter than
// Config.HistoryDays. Without a signing key the centre cannot open its
// bundles and Config.HistoryDays alone applies.
func (c *Centre) lookupDays(ctx context.Context) (int, error) {
	days := c.cfg.HistoryDays
	if c.cfg.SigningKey == nil {
		return days, nil
	}
	if err := c.loadBundles(ctx); err != nil {
		return 0, fmt.Errorf("history window: %w", err)
	}
	latest, err := c.LatestVersion(ctx, wire.KindBundle)
	if err != nil {
		return 0, fmt.Errorf("history window: %w", err)
	}
	if b := c.bundleAt(latest); b != nil && b.Rules.HistoryDays > 0 && b.Rules.HistoryDays < int64(days) {
		days = int(b.Rules.HistoryDays)
	}
	return days, nil
}

// Lookups lists the logged look-ups f selects, newest first.
func (c *Centre) Lookups(ctx context.Context, f store.LookupFilter) ([]store.Lookup, error) {
	return c.st.Lookups(ctx, f)
}

// alertScan bounds how many look-ups LookupAlerts reads.
const alertScan = 200000

// alertDays is how far back LookupAlerts looks when f has no From: this
// day and the six before, in the region's zone.
const alertDays = 7

// LookupAlerts finds the alerts (alerts.Find, default thresholds) in the
// look-ups of f's terminal and pharmacy between f.From and f.To (its card,
// sale and limit are ignored: a pattern is seen in the whole). Without
// From it looks at the last alertDays days.
func (c *Centre) LookupAlerts(ctx context.Context, f store.LookupFilter) ([]alerts.Alert, error) {
	scan := store.LookupFilter{Terminal: f.Terminal, Pharmacy: f.Pharmacy, From: f.From, To: f.To, Limit: alertScan}
	if scan.From.IsZero() {
		y, m, d := c.Now().In(c.cfg.Location).Date()
		scan.From = time.Date(y, m, d-(alertDays-1), 0, 0, 0, 0, c.cfg.Location)
	}
	ls, err := c.st.Lookups(ctx, scan)
	if err != nil {
		return nil, fmt.Errorf("look-up alerts: %w", err)
	}
	in := make([]alerts.Lookup, len(ls))
	for i, l := range ls {
		in[i] = alerts.Lookup{Terminal: l.Terminal, Pharmacy: l.Pharmacy, CardNo: l.CardNo, At: l.At, Sale: l.Sale}
	}
	return alerts.Find(in, c.cfg.Location, alerts.Default), nil
}

// tokenBuckets rate-limits look-ups per terminal: each terminal's bucket
// holds up to burst tokens, refills at rate per second of the centre's
// clock, and a look-up takes one. Only enrolled terminals reach it (the
// websocket is authenticated), which bounds the map.
type tokenBuckets struct {
	rate  float64
	burst float64
	mu    sync.Mutex
	m     map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// take reports whether key may look up now, taking a token if so.
func (tb *tokenBuckets) take(key string, now time.Time) bool {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if tb.m == nil {
		tb.m = map[string]*bucket{}
	}
	b := tb.m[key]
	if b == nil {
		b = &bucket{tokens: tb.burst, last: now}
		tb.m[key] = b
	}
	if d := now.Sub(b.last); d > 0 { // a clock stepping back refills nothing
		b.tokens = min(tb.burst, b.tokens+d.Seconds()*tb.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
