package centre

import (
	"context"
	"fmt"

	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// maxDayRecords bounds the charges (and, separately, the voids) one
// terminal-day may hold for the centre to summarise it; a busy counter
// makes a few hundred.
const maxDayRecords = 200_000

// ReconcileDay compares a terminal's summary of its day with the centre's
// own summary of the same window, stores the result for supervisors and
// logs a mismatch at error level. The summary must be checked
// (wire.DaySummary.Check) and name the terminal t.
func (c *Centre) ReconcileDay(ctx context.Context, t store.Terminal, agent wire.DaySummary) (wire.DayResult, error) {
	centre, err := c.daySummary(ctx, t.ID, agent)
	if err != nil {
		return wire.DayResult{}, err
	}
	diffs := wire.CompareDays(agent, centre)
	r := store.Reconciliation{
		Terminal: t.ID, Pharmacy: t.Pharmacy, Day: agent.Day, Match: len(diffs) == 0,
		Differences: diffs, Agent: agent, Centre: centre, At: c.Now(),
	}
	if err := c.st.PutReconciliation(ctx, r); err != nil {
		return wire.DayResult{}, fmt.Errorf("store reconciliation: %w", err)
	}
	if r.Match {
		c.log.Info("daily reconciliation matches", "terminal", t.ID, "day", agent.Day,
			"charges", agent.Charges, "account", agent.Account)
	} else {
		c.log.Error("daily reconciliation MISMATCH: the terminal's journal and the centre's records differ",
			"terminal", t.ID, "pharmacy", t.Pharmacy, "day", agent.Day, "differences", diffs)
	}
	return wire.DayResult{Day: agent.Day, Match: r.Match, Centre: centre, Differences: diffs}, nil
}

// daySummary summarises the charges and voids the centre holds for a
// terminal with At in the agent's [From, To) and seq up to its AsOfSeq.
func (c *Centre) daySummary(ctx context.Context, terminal string, agent wire.DaySummary) (wire.DaySummary, error) {
	var (
		items []wire.DayItem
		held  int64
	)
	for _, kind := range []string{wire.KindCharge, wire.KindVoid} {
		txns, err := c.st.Transactions(ctx, store.Filter{
			Terminal: terminal, Kind: kind, From: agent.From, To: agent.To, Limit: maxDayRecords + 1,
		})
		if err != nil {
			return wire.DaySummary{}, fmt.Errorf("%ss of %s on %s: %w", kind, terminal, agent.Day, err)
		}
		if len(txns) > maxDayRecords {
			return wire.DaySummary{}, fmt.Errorf("%s has more than %d %ss on %s", terminal, maxDayRecords, kind, agent.Day)
		}
		for _, t := range txns {
			if agent.AsOfSeq > 0 && t.Seq > agent.AsOfSeq {
				continue // journaled after the agent summarised
			}
			items = append(items, wire.DayItem{Seq: t.Seq, Kind: t.Kind, TxnID: t.TxnID, CardNo: t.CardNo,
				Total: t.Total, Account: t.Account, Cash: t.Cash})
			if ledger.HoldAwaiting(t.Hold) || t.Hold == store.HoldRefused {
				held += t.Held
			}
		}
	}
	sum := wire.SummariseDay(terminal, agent.From, agent.To, items)
	sum.AsOfSeq, sum.Held = agent.AsOfSeq, held
	return sum, nil
}
