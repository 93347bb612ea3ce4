package console_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// BenchmarkConsoleTransactionsPage measures a supervisor's list page: a
// logged-in request over loopback, the store query and 200 rendered rows,
// each with two reasons.
func BenchmarkConsoleTransactionsPage(b *testing.B) {
	c := centretest.Start(b)
	c.Enrol("T1", "P1")
	c.Users()
	cards := map[string]int64{}
	for i := range 50 {
		cards[fmt.Sprint(100000+i)] = 1 << 40
	}
	c.Accounts(cards)
	ch := &centretest.Chain{Terminal: "T1"}
	at := time.Now().Add(-time.Hour)
	reasons := []policy.Reason{
		{Code: policy.ItemForbidden, Severity: policy.Block, Evidence: map[string]any{"code": "D0015", "category": "health_food"}},
		{Code: policy.PriceAboveCap, Severity: policy.Review, Evidence: map[string]any{"excess": int64(600)}},
	}
	for i := range 1000 {
		ch.Add(b, wire.Record{Terminal: "T1", Kind: wire.KindCharge, TxnID: fmt.Sprint("T1-", i), At: at.Add(time.Duration(i) * time.Second),
			CardNo: fmt.Sprint(100000 + i%50), Cashier: "C01", Total: 1680, Account: 1080, Cash: 600, Reasons: reasons})
	}
	if _, err := c.Store().Apply(b.Context(), "T1", ch.Entries, store.Judging{ReceivedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	br := newBrowser(b, c.URL())
	br.mustLogin("sup", "sup-password")
	b.ResetTimer()
	for b.Loop() {
		if resp, _ := br.get("/console/?flagged=1"); resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
