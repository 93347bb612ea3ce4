package centre

import (
	"context"
	"time"

	"posagent/sync/centre/store"
)

// The centre's reads for the parts around it, and what a terminal reports.

// Terminal returns an enrolled terminal, or an error wrapping
// store.ErrNotFound.
func (c *Centre) Terminal(ctx context.Context, id string) (store.Terminal, error) {
	return c.st.Terminal(ctx, id)
}

// Terminals lists every enrolled terminal, by id.
func (c *Centre) Terminals(ctx context.Context) ([]store.Terminal, error) {
	return c.st.Terminals(ctx)
}

// Transactions lists the synced records f selects, newest first.
func (c *Centre) Transactions(ctx context.Context, f store.Filter) ([]store.Txn, error) {
	return c.st.Transactions(ctx, f)
}

// Reconciliations lists the daily reconciliation results f selects,
// newest day first.
func (c *Centre) Reconciliations(ctx context.Context, f store.ReconciliationFilter) ([]store.Reconciliation, error) {
	return c.st.Reconciliations(ctx, f)
}

// ReportVersions records, as of now, which bundle and blocklist versions
// a terminal says it runs and why it refused a newer one ("" for none).
func (c *Centre) ReportVersions(ctx context.Context, terminal string, bundle, blocklist int64, refusal string) error {
	return c.st.ReportVersions(ctx, terminal, bundle, blocklist, refusal, c.Now())
}

// since is the start of the history window an account answer covers.
func (c *Centre) since() time.Time {
	return c.Now().AddDate(0, 0, -c.cfg.HistoryDays)
}
