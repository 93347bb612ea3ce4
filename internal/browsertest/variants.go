package browsertest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Variant is one screen a page must work on: a viewport size in CSS
// pixels and the language the person reads.
type Variant struct {
	Width, Height int
	Lang          string // "zh" or "en"
}

// Variants are the screens every browser test runs at: the smallest screen
// the guide promises (1024×768) and a common counter screen (1280×900),
// each in Chinese and in English.
var Variants = []Variant{
	{1024, 768, "zh"}, {1024, 768, "en"},
	{1280, 900, "zh"}, {1280, 900, "en"},
}

// Name is the variant's subtest name, e.g. "1024x768/zh".
func (v Variant) Name() string { return fmt.Sprintf("%dx%d/%s", v.Width, v.Height, v.Lang) }

// slug is Name as a folder name, e.g. "1024x768-zh".
func (v Variant) slug() string { return fmt.Sprintf("%dx%d-%s", v.Width, v.Height, v.Lang) }

// English reports whether the variant reads English.
func (v Variant) English() bool { return v.Lang == "en" }

// Pick returns zh or en, whichever is in the variant's language: what the
// page should say.
func (v Variant) Pick(zh, en string) string {
	if v.English() {
		return en
	}
	return zh
}

// RunVariants runs scenario once for each of Variants, one after the
// other, as subtests named by Variant.Name ("1024x768/zh"). The variants
// share one Chromium, started once (two at once are slow on two cores),
// but each gets a new tab in a browser context of its own, so no cookie or
// storage passes from one to the next; its viewport is set to the
// variant's size and its screenshots go to ArtifactsDir(t, name)/1024x768-zh/
// and so on. A variant that fails does not stop the others. Without a
// Chromium the test is skipped (fails with RequireAll).
func RunVariants(t *testing.T, name string, scenario func(t *testing.T, p *Tab)) {
	t.Helper()
	browser := New(t)
	dir := ArtifactsDir(t, name)
	for _, v := range Variants {
		t.Run(v.Name(), func(t *testing.T) {
			scenario(t, NewTab(t, browser, v, filepath.Join(dir, v.slug())))
		})
	}
}

// NewTab opens a tab for variant v in a new browser context of the browser
// New started, sets its viewport to v's size and writes its screenshots
// into dir (emptied of an earlier run's). The tab is closed when t ends.
func NewTab(t testing.TB, browser context.Context, v Variant, dir string) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run opens the tab, which lives as long as the context of
	// that run: so not one with a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	p := &Tab{T: t, Ctx: ctx, Variant: v, Shots: newShotsIn(t, dir)}
	p.Do("viewport "+v.Name(), chromedp.EmulateViewport(int64(v.Width), int64(v.Height)))
	return p
}
