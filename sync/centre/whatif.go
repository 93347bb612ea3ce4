package centre

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// MaxWhatIfDays is the longest period a what-if replays.
const MaxWhatIfDays = 366

// MaxWhatIfRecords is the most charges and voids a what-if replays: they
// are held in memory at once.
const MaxWhatIfRecords = 500_000

// ErrWhatIfTooLarge means the period holds more than MaxWhatIfRecords
// charges and voids; a shorter period will do. It is also ErrInvalid.
var ErrWhatIfTooLarge = errors.New("too many records in the period for a what-if; choose a shorter period")

// ParseDraft parses a draft catalogue CSV and rules JSON with the parsers
// Publish uses, into a bundle that is not signed, stored or offered to
// anyone. A bad file is ErrInvalid with the parser's error.
func ParseDraft(catalogueCSV, rulesJSON []byte) (*policy.Bundle, error) {
	if !utf8.Valid(catalogueCSV) {
		return nil, invalidf("draft: catalogue is not UTF-8")
	}
	cat, err := policy.ParseCatalogue(bytes.NewReader(catalogueCSV))
	if err != nil {
		return nil, invalidf("draft: catalogue: %w", err)
	}
	rules, err := policy.ParseRules(rulesJSON)
	if err != nil {
		return nil, invalidf("draft: rules: %w", err)
	}
	return &policy.Bundle{Catalogue: cat, Rules: rules}, nil
}

// WhatIfDays is the period of the local days from and to (YYYY-MM-DD,
// both included) in the region's time zone: [start of from, start of the
// day after to). A malformed day, to before from or a period longer than
// MaxWhatIfDays is ErrInvalid.
func (c *Centre) WhatIfDays(from, to string) (time.Time, time.Time, error) {
	loc := c.cfg.Location
	f, err := time.ParseInLocation(time.DateOnly, from, loc)
	if err != nil {
		return time.Time{}, time.Time{}, invalidf("what-if: from %q is not a day (YYYY-MM-DD)", from)
	}
	t, err := time.ParseInLocation(time.DateOnly, to, loc)
	if err != nil {
		return time.Time{}, time.Time{}, invalidf("what-if: to %q is not a day (YYYY-MM-DD)", to)
	}
	if t.Before(f) {
		return time.Time{}, time.Time{}, invalidf("what-if: to %s is before from %s", to, from)
	}
	end := t.AddDate(0, 0, 1)
	if end.After(f.AddDate(0, 0, MaxWhatIfDays)) {
		return time.Time{}, time.Time{}, invalidf("what-if: %s to %s is longer than %d days", from, to, MaxWhatIfDays)
	}
	return f, end, nil
}

// WhatIf replays the charges dated in [from, to) against draft in place
// of the bundles they name, with the centre's re-judging (ledger.WhatIf),
// and reports per pharmacy and code what would change. Nothing is
// stored. Each charge is judged with its pharmacy, its receipt time, its
// card proof (verified again with the issuer key; a counter replay, a
// repeated txn_id and an e-voucher that did not prove the sale as the
// centre found them on apply), the card's account as it stood before it
// (the stored balance then; blocked when it was BLOCKED_AT_SYNC) and the
// card's history before the period as the store holds it now. Without a
// signing key the centre cannot open its published bundles (ErrNoSigningKey);
// a period of over MaxWhatIfRecords charges and voids is ErrWhatIfTooLarge.
func (c *Centre) WhatIf(ctx context.Context, draft *policy.Bundle, from, to time.Time) (ledger.WhatIfReport, error) {
	if c.cfg.SigningKey == nil {
		return ledger.WhatIfReport{}, fmt.Errorf("what-if: %w", ErrNoSigningKey)
	}
	if draft == nil || !from.Before(to) {
		return ledger.WhatIfReport{}, invalidf("what-if: no draft, or an empty period")
	}
	if err := c.loadBundles(ctx); err != nil {
		return ledger.WhatIfReport{}, fmt.Errorf("what-if: %w", err)
	}
	var stored []store.StoredRecord
	err := c.st.EachRecord(ctx, from, to, func(r store.StoredRecord) error {
		if !ledger.Moves(r.Record.Kind) {
			return nil
		}
		if len(stored) == MaxWhatIfRecords {
			return invalidf("what-if: over %d charges and voids: %w", MaxWhatIfRecords, ErrWhatIfTooLarge)
		}
		stored = append(stored, r)
		return nil
	})
	if err != nil {
		return ledger.WhatIfReport{}, fmt.Errorf("what-if: %w", err)
	}
	in := whatIfInputs{c: c, from: from, accounts: map[string]*policy.Holder{}, history: map[string][]policy.Purchase{}}
	recs := make([]ledger.WhatIfRecord, 0, len(stored))
	for _, r := range stored {
		wr, err := in.record(ctx, r)
		if err != nil {
			return ledger.WhatIfReport{}, fmt.Errorf("what-if: %s/%d: %w", r.Txn.Terminal, r.Txn.Seq, err)
		}
		recs = append(recs, wr)
	}
	return ledger.WhatIf(recs, draft), nil
}

// whatIfInputs reads, once per card, what the replay judges with.
type whatIfInputs struct {
	c        *Centre
	from     time.Time
	accounts map[string]*policy.Holder    // nil: the centre has none
	history  map[string][]policy.Purchase // before the period
}

// record is the replay's input for one stored charge or void.
func (w *whatIfInputs) record(ctx context.Context, r store.StoredRecord) (ledger.WhatIfRecord, error) {
	rec, t := r.Record, r.Txn
	out := ledger.WhatIfRecord{In: ledger.JudgeInput{Record: rec, Pharmacy: t.Pharmacy, Received: t.ReceivedAt, Zone: w.c.cfg.Location}}
	if rec.Kind == wire.KindVoid {
		out.Refunds = !slices.Contains(t.Flags, wire.FlagVoidUnmatched) && !slices.Contains(t.Flags, wire.FlagVoidRepeated)
		return out, nil
	}
	h, hist, err := w.card(ctx, rec.CardNo)
	if err != nil {
		return out, err
	}
	if h != nil { // as it stood before the charge
		c := *h
		c.Status, c.Blocked = ledger.StatusActive, slices.Contains(t.Flags, wire.FlagBlockedAtSync)
		c.Balance = t.BalanceAfter + rec.Account - t.Held
		out.In.Holder = &c
	}
	out.In.History = hist
	out.In.Bundle = w.c.bundleAt(rec.RulesVersion)
	out.In.SeenTxn = slices.Contains(t.Flags, ledger.CodeDuplicateTxn)
	out.In.CounterUsed = slices.Contains(t.Flags, ledger.CodeCardCounterReplay)
	p := ledger.CheckPresence(rec, w.c.cfg.IssuerKey)
	if p.NeedsVoucherCheck(rec) {
		p.VoucherChecked = true
		if slices.Contains(t.Flags, ledger.CodeCardProofMissing) || slices.Contains(t.Flags, ledger.CodeCardProofInvalid) {
			p.VoucherFault = ledger.VoucherUnproven
		}
	}
	out.In.Presence = p
	return out, nil
}

// card returns a card's account (nil: none) and its history before the
// period, read once.
func (w *whatIfInputs) card(ctx context.Context, cardNo string) (*policy.Holder, []policy.Purchase, error) {
	if cardNo == "" {
		return nil, nil, nil
	}
	if h, ok := w.accounts[cardNo]; ok {
		return h, w.history[cardNo], nil
	}
	var h *policy.Holder
	switch acct, err := w.c.st.Account(ctx, cardNo); {
	case err == nil:
		h = &acct
	case !errors.Is(err, store.ErrNotFound):
		return nil, nil, err
	}
	hist, err := w.c.st.CardHistory(ctx, cardNo, w.from.AddDate(0, 0, -w.c.cfg.HistoryDays))
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(hist, func(p policy.Purchase) bool { return !p.At.Before(w.from) })
	if i >= 0 {
		hist = hist[:i]
	}
	w.accounts[cardNo], w.history[cardNo] = h, hist
	return h, hist, nil
}
