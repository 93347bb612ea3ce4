package console_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/centretest"
)

var barRect = regexp.MustCompile(`<rect class="bar" x="\d+" y="\d+" width="\d+" height="(\d+)"`)

// A supervisor opens P1's April and card 2001's: a bar per day, the
// busiest day full height and a day of a third as much a third as high,
// the table's rows and totals; March's charge is not in April.
func TestConsoleShowsAPharmacysMonthAsAChart(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	day := c.Now().Add(-time.Hour) // 1 April 2026, 08:00
	c.SeedCharges("T1", "P1", day, day.Add(time.Minute), day.Add(2*time.Minute), day.Add(24*time.Hour), day.Add(-12*time.Hour))
	b := newBrowser(t, c.URL())
	b.mustLogin(centretest.SupervisorName, centretest.SupervisorPassword)
	if resp, page := b.get("/console/history"); resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="history-form"`) ||
		strings.Contains(page, "<svg") || !strings.Contains(page, `<a href="/console/history" class="on">历史</a>`) {
		t.Fatalf("empty history page: %d\n%s", resp.StatusCode, page)
	}
	for _, path := range []string{"/console/history?pharmacy=P1&card_no=&month=2026-04", "/console/history?pharmacy=&card_no=2001&month=2026-04"} {
		resp, page := b.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d\n%s", path, resp.StatusCode, page)
		}
		bars := barRect.FindAllStringSubmatch(page, -1)
		if len(bars) != 30 {
			t.Fatalf("%s: %d bars, want April's 30", path, len(bars))
		}
		heights := map[int]string{0: "170", 1: "56", 2: "0"} // 300, 100 and 0 fen of 300
		for i, want := range heights {
			if bars[i][1] != want {
				t.Errorf("%s: bar of April %d is %s high, want %s", path, i+1, bars[i][1], want)
			}
		}
		for _, want := range []string{
			`<tr data-date="2026-04-01"><td>2026-04-01</td><td class="num">3</td><td class="num">0</td><td class="num">0%</td>`,
			`<tr data-date="2026-04-03"><td>2026-04-03</td><td class="num">0</td><td class="num">0</td><td class="num">–</td>`,
			`<td class="num"><strong>¥4.00</strong></td>`, // April's total, March's charge left out
			"2026-04-01：3 笔，可疑 0 笔，个人账户 ¥3.00",            // the bar's hover text
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %s\n%s", path, want, page)
			}
		}
	}
	if _, en := b.get("/console/history?pharmacy=P1&month=2026-04&lang=en"); !strings.Contains(en, "Pharmacy P1, 2026-04") ||
		!strings.Contains(en, "2026-04-01: 3 charges, 0 flagged") {
		t.Errorf("English page:\n%s", en)
	}
	if _, page := b.get("/console/history?pharmacy=P1&card_no=2001&month=2026-04&lang=zh"); !strings.Contains(page, "查询条件有误：药店和卡号只填一个") {
		t.Errorf("a pharmacy and a card: the page does not say to give one\n%s", page)
	}
	for _, q := range []string{"?month=2026-04", "?pharmacy=P1&card_no=2001&month=2026-04", "?pharmacy=P1&month=April"} {
		resp, page := b.get("/console/history" + q + "&lang=zh")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "查询条件有误") || strings.Contains(page, "want") {
			t.Errorf("%s: status %d, want 400 saying what is wrong in Chinese\n%s", q, resp.StatusCode, page)
		}
	}
}
