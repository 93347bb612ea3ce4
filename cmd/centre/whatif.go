package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"posagent/sync/centre"
	"posagent/sync/centre/datadir"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/centre/store/pgstore"
)

// whatIfCommand is `centre whatif`: replay a period's stored records
// against a draft bundle and print what would change (SPEC §11).
type whatIfCommand struct {
	data, db, catalogue, rules, from, to, zone string
	json                                       bool
}

func (c *whatIfCommand) Run(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "whatif")
	fs.StringVar(&c.data, "data", "", "data directory (its signing key opens the published bundles)")
	fs.StringVar(&c.db, "db", "", "PostgreSQL store URL (default: the one `centre run --db` remembered, else the embedded store)")
	fs.StringVar(&c.catalogue, "catalogue", "", "draft catalogue CSV file")
	fs.StringVar(&c.rules, "rules", "", "draft rules JSON file")
	fs.StringVar(&c.from, "from", "", "first local day, YYYY-MM-DD")
	fs.StringVar(&c.to, "to", "", "last local day, YYYY-MM-DD (included)")
	fs.StringVar(&c.zone, "time-zone", centre.DefaultZone, "the region's time zone, in which the days begin")
	fs.BoolVar(&c.json, "json", false, "print the report as JSON")
	if err := parse(fs, args, "data", "catalogue", "rules", "from", "to"); err != nil {
		return err
	}
	loc, err := time.LoadLocation(c.zone)
	if err != nil {
		return fmt.Errorf("%w: --time-zone %q: %v", errUsage, c.zone, err)
	}
	cat, err := os.ReadFile(c.catalogue)
	if err != nil {
		return err
	}
	rules, err := os.ReadFile(c.rules)
	if err != nil {
		return err
	}
	draft, err := centre.ParseDraft(cat, rules)
	if err != nil {
		return err
	}
	key, err := datadir.LoadSigningKey(c.data)
	if err != nil {
		return err
	}
	issuer, err := datadir.LoadIssuerKey(c.data)
	if err != nil {
		return err
	}
	st, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	ce, err := centre.New(centre.Config{Store: st, SigningKey: key, IssuerKey: issuer, Location: loc, Logger: e.log})
	if err != nil {
		return err
	}
	from, to, err := ce.WhatIfDays(c.from, c.to)
	if err != nil {
		return err
	}
	rep, err := ce.WhatIf(ctx, draft, from, to)
	if err != nil {
		return err
	}
	if c.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printWhatIf(e.stdout, rep, c.from, c.to)
	return nil
}

// open opens --db, else the data directory's store as the administrative
// commands do (the embedded one only while no centre runs on it).
func (c *whatIfCommand) open(ctx context.Context, e *env) (store.Store, error) {
	if c.db != "" {
		return pgstore.Open(ctx, c.db, pgstore.Options{Logger: e.log})
	}
	st, _, err := openAdminStore(ctx, e, c.data)
	if err != nil {
		return nil, fmt.Errorf("%w (while a centre runs on the embedded store, use the console's what-if page)", err)
	}
	return st, nil
}

// printWhatIf writes the report as two tables: per pharmacy, then per
// pharmacy and code (only the codes whose counts or amounts change).
func printWhatIf(w io.Writer, rep ledger.WhatIfReport, from, to string) {
	fmt.Fprintf(w, "what-if %s to %s: %d charges replayed, %d would change\n\n", from, to, rep.Charges, rep.Changed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pharmacy\tcharges\tchanged\theld before\theld after\tnewly held\tno longer held\theld fen before\theld fen after\tdelta fen\t")
	for _, r := range rep.Totals {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%+d\t\n", r.Pharmacy, r.Charges, r.Changed, r.Before, r.After,
			r.Gained, r.Lost, r.HeldBefore, r.HeldAfter, r.HeldDelta())
	}
	tw.Flush()
	if len(rep.Codes) == 0 {
		fmt.Fprintln(w, "\nno reason code changes")
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pharmacy\tcode\tbefore\tafter\tgained\tlost\theld fen before\theld fen after\tdelta fen\t")
	for _, r := range rep.Codes {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%+d\t\n", r.Pharmacy, r.Code, r.Before, r.After,
			r.Gained, r.Lost, r.HeldBefore, r.HeldAfter, r.HeldDelta())
	}
	tw.Flush()
}
