package centre

import (
	"context"
	"errors"
	"fmt"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
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

// RecordDetail is what a record's page shows beyond its row of the list
// (SPEC §11): its lines as the terminal sent them, named from the
// catalogue of the rules version the record names; the card's holder as
// the centre keeps the account; and the records it is linked with (a
// charge's voids, a void's charge).
type RecordDetail struct {
	Lines   []DetailLine
	Holder  *policy.Holder // nil when the centre has no account for the card
	Related []store.Txn    // a charge's voids, or a void's charge
}

// DetailLine is one line of a record with the catalogue's name of its
// item ("" when the catalogue does not list the code).
type DetailLine struct {
	wire.Line
	Name string
}

// voidWindow bounds how far apart a charge and its void are searched: a
// void refunds only a charge of the same local day.
const voidWindow = 48 * time.Hour

// RecordDetail reads t's detail from the store.
func (c *Centre) RecordDetail(ctx context.Context, t store.Txn) (RecordDetail, error) {
	var d RecordDetail
	var rec *wire.Record
	err := c.st.EachRecord(ctx, t.At, t.At.Add(time.Microsecond), func(r store.StoredRecord) error {
		if r.Txn.Terminal == t.Terminal && r.Txn.Seq == t.Seq {
			rec = &r.Record
		}
		return nil
	})
	if err != nil {
		return d, fmt.Errorf("record %s/%d: %w", t.Terminal, t.Seq, err)
	}
	if rec != nil {
		if err := c.loadBundles(ctx); err != nil {
			return d, fmt.Errorf("record %s/%d: %w", t.Terminal, t.Seq, err)
		}
		var cat *policy.Catalogue
		if b := c.bundleAt(rec.RulesVersion); b != nil {
			cat = b.Catalogue
		}
		for _, l := range rec.Lines {
			dl := DetailLine{Line: l}
			if it, ok := cat.Item(l.Code); ok {
				dl.Name = it.Name
			}
			d.Lines = append(d.Lines, dl)
		}
	}
	if t.CardNo != "" {
		switch h, err := c.st.Account(ctx, t.CardNo); {
		case err == nil:
			d.Holder = &h
		case !errors.Is(err, store.ErrNotFound):
			return d, fmt.Errorf("account %s: %w", t.CardNo, err)
		}
	}
	var f store.Filter
	switch t.Kind {
	case wire.KindCharge:
		f = store.Filter{Terminal: t.Terminal, Kind: wire.KindVoid, From: t.At, To: t.At.Add(voidWindow)}
	case wire.KindVoid:
		f = store.Filter{Terminal: t.Terminal, Kind: wire.KindCharge, From: t.At.Add(-voidWindow), To: t.At.Add(time.Nanosecond)}
	default:
		return d, nil
	}
	ts, err := c.st.Transactions(ctx, f)
	if err != nil {
		return d, fmt.Errorf("records linked with %s/%d: %w", t.Terminal, t.Seq, err)
	}
	for _, x := range ts {
		if (t.Kind == wire.KindCharge && x.Reverses == t.TxnID && t.TxnID != "") ||
			(t.Kind == wire.KindVoid && x.TxnID == t.Reverses && t.Reverses != "") {
			d.Related = append(d.Related, x)
		}
	}
	return d, nil
}
