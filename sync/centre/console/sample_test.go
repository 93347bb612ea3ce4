package console_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/api"
	"posagent/sync/centre/centretest"
)

var (
	detailLink = regexp.MustCompile(`class="detail" href="(/console/txn/[^"]+)"`)
	seedShown  = regexp.MustCompile(`<strong id="seed">(\d+)</strong>`)
	redrawLink = regexp.MustCompile(`<a id="redraw" href="([^"]+)"`)
)

// detailLinks are the sampled records' links on a sample page.
func detailLinks(page string) []string {
	var out []string
	for _, m := range detailLink.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// A supervisor draws the review sample of P1's 120 charges of one day:
// half of them, the same again from the seed shown, another with the
// "draw again" link, each row linking to its record; in Chinese, then in
// English.
func TestConsoleDrawsTheReviewSample(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	day := time.Date(2025, 3, 2, 8, 0, 0, 0, c.Location())
	var ats, others []time.Time
	for i := range 120 {
		ats = append(ats, day.Add(time.Duration(i)*time.Minute))
		others = append(others, day.Add(time.Duration(i)*time.Minute+time.Second))
	}
	c.SeedCharges("T1", "P1", ats...)
	c.SeedCharges("T9", "P2", others...)

	b := newBrowser(t, c.URL())
	b.mustLogin(centretest.SupervisorName, centretest.SupervisorPassword)
	resp, page := b.get("/console/sample")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<a href="/console/sample" class="on">抽样</a>`) ||
		!strings.Contains(page, `id="sample-form"`) || strings.Contains(page, `id="sample-summary"`) {
		t.Fatalf("empty sample page: %d\n%s", resp.StatusCode, page)
	}
	if _, list := b.get("/console/"); !strings.Contains(list, `<a href="/console/sample">抽样</a>`) {
		t.Error("the transactions page's navigation lacks the sample page")
	}

	query := "/console/sample?pharmacy=P1&from=2025-03-02&to=2025-03-02"
	resp, page = b.get(query + "&seed=9")
	links := detailLinks(page)
	if resp.StatusCode != http.StatusOK || len(links) != 60 {
		t.Fatalf("sample with seed 9: %d, %d records, want 60\n%s", resp.StatusCode, len(links), page)
	}
	for _, want := range []string{"共 120 笔收费，抽取 60 笔。", `<strong id="seed">9</strong>`, "重新抽样", "稽核抽样", `name="seed" value="9"`} {
		if !strings.Contains(page, want) {
			t.Errorf("sample page lacks %s", want)
		}
	}
	// The page shows what the API draws with the same seed.
	var s api.Sample
	c.Request("GET", "/api/sample?pharmacy=P1&from=2025-03-02&to=2025-03-02&seed=9",
		centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword), nil, &s)
	for i, r := range s.Records {
		if want := fmt.Sprintf("/console/txn/%s/%d?", r.Terminal, r.Seq); i >= len(links) || !strings.HasPrefix(links[i], want) {
			t.Fatalf("row %d links %v, want %s…", i, links[min(i, len(links)-1)], want)
		}
	}
	if resp, detail := b.get(links[0]); resp.StatusCode != http.StatusOK || !strings.Contains(detail, "P1") {
		t.Errorf("a sampled record's page: %d", resp.StatusCode)
	}
	if _, again := b.get(query + "&seed=9"); !slices.Equal(detailLinks(again), links) {
		t.Error("seed 9 drew another sample the second time")
	}

	// Without a seed, one is drawn and shown; it draws the same again.
	_, page = b.get(query)
	m := seedShown.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no seed shown\n%s", page)
	}
	if _, again := b.get(query + "&seed=" + m[1]); !slices.Equal(detailLinks(again), detailLinks(page)) {
		t.Errorf("the seed shown, %s, drew another sample", m[1])
	}
	r := redrawLink.FindStringSubmatch(page)
	if r == nil || strings.Contains(html.UnescapeString(r[1]), "seed="+m[1]+"&") || !strings.Contains(r[1], "pharmacy=P1") {
		t.Fatalf("draw-again link %v after seed %s", r, m[1])
	}
	if resp, redrawn := b.get(html.UnescapeString(r[1])); resp.StatusCode != http.StatusOK || len(detailLinks(redrawn)) != 60 {
		t.Errorf("draw again: %d, %d records", resp.StatusCode, len(detailLinks(redrawn)))
	}

	for _, q := range []string{"?from=2025-03-02&to=2025-03-02", "?pharmacy=P1&from=2025-03-02", "?pharmacy=P1&from=2025-03-02&to=2025-03-02&seed=x"} {
		if resp, bad := b.get("/console/sample" + q); resp.StatusCode != http.StatusBadRequest || !strings.Contains(bad, "查询条件有误") {
			t.Errorf("%s: %d, want 400 with the error", q, resp.StatusCode)
		}
	}

	_, page = b.get(query + "&seed=9&lang=en")
	for _, want := range []string{"Review sample", "120 charges, 60 drawn.", "Draw again with a new seed", "Link to this sample", `class="on">Sample</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("English sample page lacks %s", want)
		}
	}
	if !slices.Equal(detailLinks(page), links) {
		t.Error("the English page drew another sample with seed 9")
	}
	if _, none := b.get("/console/sample?pharmacy=P1&from=2025-04-01&to=2025-04-30"); !strings.Contains(none, "No charges in this period.") {
		t.Error("an empty period does not say so")
	}
}
