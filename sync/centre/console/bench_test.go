package console_test

import (
	"flag"
	"fmt"
	"net/http"
	"testing"
	"time"

	"posagent/policy"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/centre/store/storetest"
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

var queueRecords = flag.Int("queue-records", 1_000_000, "records stored for BenchmarkConsoleQueuePage")

// BenchmarkConsoleQueuePage measures the review queue's page (the flagged
// records, and those awaiting a ruling) as a supervisor gets it, over
// loopback with the 50 rows rendered, from a centre whose store holds
// -queue-records charges (storetest.FillQueue), on each store. Filling
// the store is not timed; it is logged.
func BenchmarkConsoleQueuePage(b *testing.B) {
	for _, kind := range centretest.Stores {
		b.Run(string(kind), func(b *testing.B) {
			c := centretest.StartWithOptions(b, centretest.Options{Store: kind})
			c.Users()
			start := time.Now()
			storetest.FillQueue(b, c.Store(), *queueRecords)
			b.Logf("%s: stored %d records in %v", kind, *queueRecords, time.Since(start))
			br := newBrowser(b, c.URL())
			br.mustLogin("sup", "sup-password")
			for _, path := range []string{"/console/?flagged=1&limit=50", "/console/?held=1&limit=50",
				"/console/?flagged=1&pharmacy=" + storetest.QueuePharmacy(1) + "&limit=50"} {
				b.Run(path, func(b *testing.B) {
					for b.Loop() {
						if resp, page := br.get(path); resp.StatusCode != http.StatusOK || len(rowsOf(page)) != 50 {
							b.Fatalf("%s: status %d, %d rows", path, resp.StatusCode, len(rowsOf(page)))
						}
					}
				})
			}
		})
	}
}
