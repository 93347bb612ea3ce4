package console_test

import (
	"bytes"
	"encoding/csv"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/centretest"
)

var csvLink = regexp.MustCompile(`<a id="settlement-csv" href="([^"]+)"`)

// A supervisor draws up P1's settlement of April 2026: a row per
// terminal and the total, in Chinese, then in English; the CSV link
// downloads the same statement; a bad month is refused.
func TestConsoleShowsTheMonthlySettlement(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	day := c.Now().Add(-time.Hour) // 1 April 2026, 08:00
	c.SeedCharges("T1", "P1", day, day.Add(time.Minute), day.Add(2*time.Minute))
	c.SeedCharges("T2", "P1", day.Add(time.Minute), day.Add(-12*time.Hour)) // the second in March
	c.SeedCharges("T9", "P2", day)

	b := newBrowser(t, c.URL())
	b.mustLogin(centretest.SupervisorName, centretest.SupervisorPassword)
	resp, page := b.get("/console/settlement")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<a href="/console/settlement" class="on">清算</a>`) ||
		!strings.Contains(page, `id="settlement-form"`) || strings.Contains(page, `id="settlement"`) {
		t.Fatalf("empty settlement page: %d\n%s", resp.StatusCode, page)
	}
	if _, list := b.get("/console/"); !strings.Contains(list, `<a href="/console/settlement">清算</a>`) {
		t.Error("the transactions page's navigation lacks the settlement page")
	}

	resp, page = b.get("/console/settlement?pharmacy=P1&month=2026-04")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("settlement: %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{"应付药店", `<tr data-terminal="T1"><td>T1</td><td class="num">3</td>`,
		`<tr data-terminal="T2"><td>T2</td><td class="num">1</td>`, "¥3.00", "<strong>¥4.00</strong>", "<strong>¥0.00</strong>", "下载 CSV"} {
		if !strings.Contains(page, want) {
			t.Errorf("settlement page lacks %q\n%s", want, page)
		}
	}
	if strings.Contains(page, "T9") {
		t.Error("another pharmacy's terminal is on P1's statement")
	}
	if _, en := b.get("/console/settlement?pharmacy=P1&month=2026-04&lang=en"); !strings.Contains(en, "Payable") ||
		!strings.Contains(en, "Download CSV") || strings.Contains(en, "应付药店") {
		t.Errorf("English page:\n%s", en)
	}

	m := csvLink.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSV link")
	}
	resp, body := b.get(html.UnescapeString(m[1]))
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %d %q\n%s", resp.StatusCode, ct, body)
	}
	rows, err := csv.NewReader(io.Reader(bytes.NewBufferString(body))).ReadAll()
	if err != nil || len(rows) != 4 || rows[3][2] != "TOTAL" {
		t.Fatalf("csv %v:\n%s", err, body)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if rows[3][col["payable_fen"]] != "400" || rows[3][col["payable_yuan"]] != "4.00" || rows[3][col["charges"]] != "4" ||
		rows[3][col["held_fen"]] != "0" || rows[3][col["applied_yuan"]] != "4.00" {
		t.Errorf("csv total row %v", rows[3])
	}

	for _, q := range []string{"pharmacy=P1", "pharmacy=P1&month=April", "month=2026-04"} {
		if resp, page := b.get("/console/settlement?" + q); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="settlement-form"`) {
			t.Errorf("%s: %d, want 400 with the form", q, resp.StatusCode)
		}
	}
}
