package centre

import (
	"context"
	"fmt"

	"posagent/policy"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// Rulings on a held charge (SPEC §9, §11); ledger.RuleOn decides what
// each does.
const (
	RulingAccept  = ledger.RulingAccept  // the held part is taken from the account and becomes payable
	RulingRefuse  = ledger.RulingRefuse  // 拒付: never payable; the account is not charged
	RulingDefer   = ledger.RulingDefer   // 缓付: stays held until a later ruling
	RulingConfirm = ledger.RulingConfirm // a second supervisor confirms a pending refusal
)

// RuleHold records supervisor by's ruling, with a note, on the hold of the
// charge at (terminal, seq). A refusal of more than the current rules'
// second_review_amount (the policy default when nothing is published)
// waits for another supervisor's confirm. The store moves the money,
// marks the record and appends to its ruling history in one transaction,
// so a ruling moves held money exactly once; a ruling on a charge with
// nothing held awaiting one wraps store.ErrNoHold, confirming one's own
// refusal ledger.ErrOwnRuling, a bad request (no note for refuse or
// defer) ledger.ErrBadRuling.
func (c *Centre) RuleHold(ctx context.Context, terminal string, seq uint64, action, note, by string) (store.Txn, error) {
	limit, err := c.secondReviewAmount(ctx)
	if err != nil {
		return store.Txn{}, fmt.Errorf("rule on %s/%d: %w", terminal, seq, err)
	}
	c.ledgerMu.RLock()
	t, err := c.st.Rule(ctx, store.RulingRequest{Terminal: terminal, Seq: seq, Action: action, By: by,
		Note: note, At: c.Now(), SecondReviewAmount: limit})
	c.ledgerMu.RUnlock()
	if err != nil {
		return store.Txn{}, fmt.Errorf("rule on %s/%d: %w", terminal, seq, err)
	}
	c.log.Info("hold ruled", "terminal", terminal, "seq", seq, "txn_id", t.TxnID,
		"ruling", action, "hold", t.Hold, "held", t.Held, "by", by)
	what := store.AuditRuling
	if action == RulingConfirm {
		what = store.AuditConfirm
	}
	detail := action + " → " + t.Hold
	if note != "" {
		detail += ": " + note
	}
	c.audit(ctx, by, what, fmt.Sprintf("%s/%d", terminal, seq), detail)
	return t, nil
}

// Rulings is the ruling history of the record at (terminal, seq), oldest
// first; store.ErrNotFound when there is no such record.
func (c *Centre) Rulings(ctx context.Context, terminal string, seq uint64) ([]store.Ruling, error) {
	rs, err := c.st.Rulings(ctx, terminal, seq)
	if err != nil {
		return nil, fmt.Errorf("rulings: %w", err)
	}
	return rs, nil
}

// secondReviewAmount is the latest published rules' second_review_amount,
// the policy default when none is published or the centre cannot open
// its bundles (no signing key).
func (c *Centre) secondReviewAmount(ctx context.Context) (int64, error) {
	limit := policy.DefaultRules().SecondReviewAmount
	if c.cfg.SigningKey == nil {
		return limit, nil
	}
	if err := c.loadBundles(ctx); err != nil {
		return 0, fmt.Errorf("second review amount: %w", err)
	}
	latest, err := c.LatestVersion(ctx, wire.KindBundle)
	if err != nil {
		return 0, fmt.Errorf("second review amount: %w", err)
	}
	if b := c.bundleAt(latest); b != nil {
		limit = b.Rules.SecondReviewAmount
	}
	return limit, nil
}
