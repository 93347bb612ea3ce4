package centre

import (
	"context"
	"fmt"

	"posagent/sync/centre/store"
)

// Rulings on a held charge (SPEC §9, §11). The review workflow of
// supervisors (notes, second reviewer, deferral) builds on these.
const (
	RulingAccept = "accept" // the held part is taken from the account and becomes payable
	RulingRefuse = "refuse" // 拒付: never payable; the account is not charged
)

// RuleHold records a supervisor's ruling on the hold of the charge at
// (terminal, seq). The store moves the money and marks the record in one
// transaction, so a ruling moves held money exactly once; a second ruling
// on the same charge wraps store.ErrNoHold. by names the supervisor, for
// the log.
func (c *Centre) RuleHold(ctx context.Context, terminal string, seq uint64, ruling, by string) (store.Txn, error) {
	if ruling != RulingAccept && ruling != RulingRefuse {
		return store.Txn{}, invalidf("ruling %q: want %s or %s", ruling, RulingAccept, RulingRefuse)
	}
	c.ledgerMu.RLock()
	t, err := c.st.RuleHold(ctx, terminal, seq, ruling == RulingAccept)
	c.ledgerMu.RUnlock()
	if err != nil {
		return store.Txn{}, fmt.Errorf("rule on %s/%d: %w", terminal, seq, err)
	}
	c.log.Info("hold ruled", "terminal", terminal, "seq", seq, "txn_id", t.TxnID,
		"ruling", ruling, "held", t.Held, "by", by)
	c.audit(ctx, by, store.AuditRuling, fmt.Sprintf("%s/%d", terminal, seq), ruling)
	return t, nil
}
