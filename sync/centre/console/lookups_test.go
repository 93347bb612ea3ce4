package console_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/centretest"
	"posagent/sync/wire"
)

// A rogue terminal walks 1,000 consecutive card numbers while an honest
// one sells to the customers it looks up: the look-ups page shows both
// alerts for the rogue, none for the honest terminal, in either language.
func TestConsoleShowsLookupAlerts(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{RecordChecksOnly: true})
	c.Users()
	honest := map[string]int64{}
	for i := range 12 {
		honest[fmt.Sprintf("H%07d", (i*7919+13)%100000)] = 100_000
	}
	c.Accounts(honest)
	rogue := c.Connect("R1", c.Enrol("R1", "P9"))
	rogue.Hello(0, 0, 0)
	good := c.Connect("T1", c.Enrol("T1", "P1"))
	good.Hello(0, 0, 0)

	answered := 0
	for i := range 1000 {
		if i > 0 && i%10 == 0 {
			c.Clock.Advance(100 * time.Millisecond)
		}
		if m, _ := rogue.Lookup(fmt.Sprint(i), fmt.Sprintf("6222%06d", i)); m.Error == nil {
			answered++
		}
	}
	if answered > 30+10 {
		t.Fatalf("%d of the rogue's look-ups answered over 10 s", answered)
	}
	var ch centretest.Chain
	ch.Terminal = "T1"
	i := 0
	for card := range honest {
		good.Lookup(fmt.Sprint(i), card)
		good.SendEntries([]wire.Entry{ch.Charge(t, card, 500, c.Now().Add(time.Minute))})
		c.Clock.Advance(5 * time.Minute)
		i++
	}

	b := newBrowser(t, c.URL())
	b.mustLogin(centretest.SupervisorName, centretest.SupervisorPassword)
	resp, page := b.get("/console/lookups")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("look-ups page: %d\n%s", resp.StatusCode, page)
	}
	day := c.Now().In(c.Location()).Format(time.DateOnly)
	for _, want := range []string{
		`<a href="/console/lookups" class="on">账户查询</a>`,
		`data-kind="LOOKUPS_WITHOUT_SALE" data-terminal="R1"`,
		`data-kind="SEQUENTIAL_CARDS" data-terminal="R1"`,
		`当日查询 1000 次，其中 1000 次（100%）之后没有销售`,
		`一小时内查询了 1000 个连续卡号（6222000000 至 6222000999）`,
		`<td>` + day + `</td>`,
		`显示 200 条查询，最新的在前`,
		`<td class="answer">拒绝（超限）</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("look-ups page lacks %s", want)
		}
	}
	if strings.Contains(page, `data-terminal="T1"><td><span class="flag">`) || strings.Contains(page, `data-kind="LOOKUPS_WITHOUT_SALE" data-terminal="T1"`) {
		t.Errorf("the honest terminal has an alert")
	}

	// The honest terminal alone: no alert, every look-up followed by a sale.
	_, page = b.get("/console/lookups?terminal=T1&lang=en")
	for _, want := range []string{`id="no-alerts"`, "No alerts in this range", "12 look-ups shown, newest first"} {
		if !strings.Contains(page, want) {
			t.Errorf("T1's look-ups page lacks %s", want)
		}
	}
	if n := strings.Count(page, `<td class="sale">yes</td>`); n != 12 {
		t.Errorf("%d of T1's look-ups followed by a sale, want 12", n)
	}
	// In English, the rogue's alerts.
	_, page = b.get("/console/lookups?terminal=R1&without_sale=1&lang=en")
	for _, want := range []string{
		"look-ups without sales", "sequential card numbers",
		"1000 look-ups that day, 1000 of them (100 %) not followed by a sale",
		"1000 consecutive card numbers looked up within an hour (6222000000 to 6222000999)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("R1's English look-ups page lacks %s", want)
		}
	}
	if resp, _ := b.get("/console/lookups?from=tomorrow"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad filter: %d, want 400", resp.StatusCode)
	}
}
