package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"posagent/internal/pgtest"
	"posagent/internal/sample"
	"posagent/policy"
	"posagent/sync/centre"
	"posagent/sync/centre/datadir"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/centre/store/pgstore"
	"posagent/sync/wire"
	"posagent/sync/wire/wiretest"
)

// whatIfData is a data directory with the sample bundle published as
// version 1 and three honest charges of card 1001 at P1 just after it,
// 980 fen each from the account, in its embedded store; it returns the
// directory, the sample files and the local days (Asia/Shanghai) of the
// first and last charge.
func whatIfData(t *testing.T) (data, cat, rules, from, to string) {
	t.Helper()
	data = t.TempDir()
	if code, _, errOut := cli(t, context.Background(), "", "keygen", "--data", data); code != 0 {
		t.Fatalf("keygen: %s", errOut)
	}
	st, err := store.OpenBolt(filepath.Join(data, datadir.StoreFile), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	from, to = seedWhatIf(t, data, st)
	dir := sample.Dir(t)
	return data, filepath.Join(dir, "catalogue.csv"), filepath.Join(dir, "rules.json"), from, to
}

// seedWhatIf publishes the sample bundle with data's signing key, imports
// card 1001, enrols T1 at P1 and applies three honest charges of 980 fen
// on the card, one drug each; it returns the local days of the first and
// last charge.
func seedWhatIf(t *testing.T, data string, st store.Store) (from, to string) {
	t.Helper()
	ctx := context.Background()
	key, err := datadir.LoadSigningKey(data)
	if err != nil {
		t.Fatal(err)
	}
	c, err := centre.New(centre.Config{Store: st, SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	dir := sample.Dir(t)
	cat, err := os.ReadFile(filepath.Join(dir, "catalogue.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := os.ReadFile(filepath.Join(dir, "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, cat, rules); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ImportAccountsCSV(ctx, strings.NewReader(accountsCSV)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Enrol(ctx, "T1", "P1"); err != nil {
		t.Fatal(err)
	}
	b := sample.Bundle(t, 1)
	h, err := st.Account(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	j := wiretest.NewJournal(t, "T1", time.Now())
	var hist []policy.Purchase
	barcodes := map[string]string{"D0004": "6901234500042", "D0006": "6901234500066", "D0007": "6901234500073"}
	for _, code := range []string{"D0004", "D0006", "D0007"} {
		at := time.Now()
		line := policy.Line{Code: code, Barcode: barcodes[code], Qty: 1, UnitPrice: 980}
		d := policy.Evaluate(b, policy.Input{Now: at.In(c.Location()), Terminal: "T1", Pharmacy: "P1",
			Card: policy.Card{CardNo: "1001"}, Holder: &h, Lines: []policy.Line{line}, History: policy.History{Purchases: hist}})
		rec := wire.Record{Kind: wire.KindCharge, TxnID: j.NextTxnID(), At: at, CardNo: "1001", RulesVersion: 1,
			Total: d.Total, Account: d.AccountTotal, Cash: d.CashTotal, Confirmed: d.Required,
			Lines: []wire.Line{{Code: code, Barcode: line.Barcode, Qty: 1, UnitPrice: 980,
				Amount: d.Lines[0].Amount, Account: d.Lines[0].Account, Cash: d.Lines[0].Cash, Days: d.Lines[0].Days}}}
		if rec.Account != 980 {
			t.Fatalf("%s: the sample rules pay %d from the account, want 980 (%+v)", code, rec.Account, d.Reasons)
		}
		j.Add(rec)
		hist = append(hist, rec.Purchase("P1"))
	}
	if _, err := c.ApplyEntries(ctx, "T1", 0, j.Entries); err != nil {
		t.Fatal(err)
	}
	ts, err := st.Transactions(ctx, store.Filter{})
	if err != nil || len(ts) != 3 {
		t.Fatalf("stored %d records (%v)", len(ts), err)
	}
	for _, tx := range ts {
		if tx.Held != 0 {
			t.Fatalf("honest charge %s held %d: %v", tx.TxnID, tx.Held, tx.Flags)
		}
	}
	day := func(at time.Time) string { return at.In(c.Location()).Format(time.DateOnly) }
	return day(ts[2].At), day(ts[0].At)
}

// tightRules writes the sample rules with daily_amount 1500 fen.
func tightRules(t *testing.T, rules string) string {
	t.Helper()
	raw, err := os.ReadFile(rules)
	if err != nil {
		t.Fatal(err)
	}
	tight := strings.Replace(string(raw), `"daily_amount": 60000`, `"daily_amount": 1500`, 1)
	if tight == string(raw) {
		t.Fatal("the sample rules have no daily_amount of 60000")
	}
	draft := filepath.Join(t.TempDir(), "draft.json")
	if err := os.WriteFile(draft, []byte(tight), 0o644); err != nil {
		t.Fatal(err)
	}
	return draft
}

// TestWhatIfOnPostgreSQL: `centre whatif --db` reads the records of a
// PostgreSQL store.
func TestWhatIfOnPostgreSQL(t *testing.T) {
	dsn := pgtest.Start(t)
	ctx := context.Background()
	data := t.TempDir()
	if code, _, errOut := cli(t, ctx, "", "keygen", "--data", data); code != 0 {
		t.Fatalf("keygen: %s", errOut)
	}
	st, err := pgstore.Open(ctx, dsn, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	from, to := seedWhatIf(t, data, st)
	st.Close()
	dir := sample.Dir(t)
	cat, rules := filepath.Join(dir, "catalogue.csv"), filepath.Join(dir, "rules.json")
	code, out, errOut := cli(t, ctx, "", "whatif", "--data", data, "--db", dsn, "--catalogue", cat, "--rules", tightRules(t, rules),
		"--from", from, "--to", to)
	if code != 0 || !strings.Contains(out, "3 charges replayed, 2 would change") || !strings.Contains(out, "SPLIT_DAILY_AMOUNT") {
		t.Fatalf("whatif --db: exit %d, out %q, err %q", code, out, errOut)
	}
}

// TestWhatIf: the published rules as the draft change nothing; a draft
// that tightens daily_amount to 15 yuan holds the second and third
// charge, 1960 fen, with SPLIT_DAILY_AMOUNT; nothing is published.
func TestWhatIf(t *testing.T) {
	ctx := context.Background()
	data, cat, rules, from, to := whatIfData(t)

	code, out, errOut := cli(t, ctx, "", "whatif", "--data", data, "--catalogue", cat, "--rules", rules, "--from", from, "--to", to)
	if code != 0 || !strings.Contains(out, "3 charges replayed, 0 would change") || !strings.Contains(out, "no reason code changes") {
		t.Fatalf("same bundle: exit %d, out %q, err %q", code, out, errOut)
	}
	t.Logf("same bundle:\n%s", out)

	draft := tightRules(t, rules)
	code, out, errOut = cli(t, ctx, "", "whatif", "--data", data, "--catalogue", cat, "--rules", draft, "--from", from, "--to", to)
	if code != 0 || !strings.Contains(out, "3 charges replayed, 2 would change") || !strings.Contains(out, "SPLIT_DAILY_AMOUNT") {
		t.Fatalf("tighter daily_amount: exit %d, out %q, err %q", code, out, errOut)
	}
	t.Logf("daily_amount 1500:\n%s", out)

	code, out, errOut = cli(t, ctx, "", "whatif", "--data", data, "--catalogue", cat, "--rules", draft, "--from", from, "--to", to, "--json")
	var rep ledger.WhatIfReport
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("--json: exit %d, out %q, err %q", code, out, errOut)
	}
	if len(rep.Totals) != 1 || rep.Totals[0].Pharmacy != "P1" || rep.Totals[0].Gained != 2 || rep.Totals[0].HeldAfter != 1960 || rep.Totals[0].HeldBefore != 0 {
		t.Fatalf("--json totals = %+v", rep.Totals)
	}
	var daily *ledger.WhatIfRow
	for i, r := range rep.Codes {
		if r.Code == string(policy.SplitDailyAmount) {
			daily = &rep.Codes[i]
		}
	}
	if daily == nil || daily.Gained != 2 || daily.HeldAfter != 1960 {
		t.Fatalf("SPLIT_DAILY_AMOUNT row = %+v", daily)
	}

	// Nothing was published or stored.
	st, err := store.OpenBolt(filepath.Join(data, datadir.StoreFile), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if doc, err := st.LatestSigned(ctx, wire.KindBundle); err != nil || doc.Version != 1 {
		t.Fatalf("latest bundle %d (%v), want still 1", doc.Version, err)
	}
	if ts, err := st.Transactions(ctx, store.Filter{Held: true}); err != nil || len(ts) != 0 {
		t.Fatalf("held records after the what-if: %d (%v)", len(ts), err)
	}
}

// TestWhatIfRefusals: bad input is a clear error, never a panic.
func TestWhatIfRefusals(t *testing.T) {
	ctx := context.Background()
	data, cat, rules, from, _ := whatIfData(t)
	corrupt := filepath.Join(t.TempDir(), "corrupt.json")
	if err := os.WriteFile(corrupt, []byte(`{"daily_amount": `), 0o644); err != nil {
		t.Fatal(err)
	}
	base := func(extra ...string) []string {
		return append([]string{"whatif", "--data", data}, extra...)
	}
	cases := []struct {
		name string
		args []string
		exit int
		want string
	}{
		{"missing file", base("--catalogue", cat, "--rules", "/no/such/rules.json", "--from", from, "--to", from), 1, "no such file"},
		{"corrupt rules", base("--catalogue", cat, "--rules", corrupt, "--from", from, "--to", from), 1, "draft: rules"},
		{"rules as catalogue", base("--catalogue", rules, "--rules", rules, "--from", from, "--to", from), 1, "draft: catalogue"},
		{"from after to", base("--catalogue", cat, "--rules", rules, "--from", "2026-11-30", "--to", "2026-11-01"), 1, "before from"},
		{"not a day", base("--catalogue", cat, "--rules", rules, "--from", "2026-11", "--to", "2026-11-30"), 1, "not a day"},
		{"too long", base("--catalogue", cat, "--rules", rules, "--from", "2020-01-01", "--to", "2026-11-30"), 1, "longer than"},
		{"no --to", base("--catalogue", cat, "--rules", rules, "--from", from), 2, "--to required"},
		{"bad zone", base("--catalogue", cat, "--rules", rules, "--from", from, "--to", from, "--time-zone", "Mars/Olympus"), 2, "time-zone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := cli(t, ctx, "", tc.args...)
			if code != tc.exit || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, err %q; want %d and %q", code, errOut, tc.exit, tc.want)
			}
		})
	}
}
