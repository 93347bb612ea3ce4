package browsertest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestArtifactsDirFollowsTheEnvironment(t *testing.T) {
	base := t.TempDir()
	t.Setenv("POSAGENT_ARTIFACTS", base)
	if got := ArtifactsDir(t, "x"); got != base+"/x" {
		t.Errorf("ArtifactsDir = %q, want %q", got, base+"/x")
	}
	t.Setenv("POSAGENT_ARTIFACTS", "")
	if got := ArtifactsDir(t, "x"); !strings.HasSuffix(got, "/posagent-x-screens") {
		t.Errorf("ArtifactsDir without the variable = %q", got)
	}
}

func TestFindChromiumHonoursTheOverride(t *testing.T) {
	t.Setenv("POSAGENT_CHROMIUM", "/nonexistent/chromium")
	if p := FindChromium(); p != "" {
		t.Errorf("a missing override found %q, want none", p)
	}
	t.Setenv("POSAGENT_CHROMIUM", "/bin/sh")
	if p := FindChromium(); p != "/bin/sh" {
		t.Errorf("override /bin/sh found %q", p)
	}
}

// TestBrowserRunsScriptsAndTakesScreenshots drives a tiny page: a script
// fills a text in, the test reads it and takes a PNG.
func TestBrowserRunsScriptsAndTakesScreenshots(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><title>t</title>
<p id="out">…</p><script>document.getElementById('out').textContent = '你好 ' + (6*7);</script>`)
	}))
	defer srv.Close()
	ctx := New(t)
	shots := &Shots{Dir: t.TempDir()}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS("#out"))); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById('out').textContent.startsWith('你好') && document.getElementById('out').textContent`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || text != "你好 42" {
		t.Fatalf("page text %q, %v; want 你好 42", text, err)
	}
	png, err := os.ReadFile(shots.Take(t, ctx, "hello page"))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot is not a PNG (%d bytes, %v)", len(png), err)
	}
}

// servePage serves one HTML page at / for a test.
func servePage(t *testing.T, html string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestVariantsGiveEachScreenItsOwnTab checks RunVariants: every variant
// sees a viewport of its size, starts with empty storage and writes its
// screenshots into its own folder.
func TestVariantsGiveEachScreenItsOwnTab(t *testing.T) {
	t.Setenv("POSAGENT_ARTIFACTS", t.TempDir())
	url := servePage(t, `<!doctype html><meta charset="utf-8"><title>v</title><p id="p">variant</p>`)
	seen := map[string]bool{}
	RunVariants(t, "variants", func(t *testing.T, p *Tab) {
		seen[p.Variant.Name()] = true
		p.Do("open", chromedp.Navigate(url))
		var got struct{ W, H int }
		p.EvalJSON(`({W: innerWidth, H: innerHeight})`, &got)
		if got.W != p.Variant.Width || got.H != p.Variant.Height {
			t.Errorf("viewport %dx%d, want %dx%d", got.W, got.H, p.Variant.Width, p.Variant.Height)
		}
		if left := p.EvalString(`String(localStorage.getItem('mark'))`); left != "null" {
			t.Errorf("storage left by another variant: %q", left)
		}
		p.EvalString(`localStorage.setItem('mark', 'x'), 'ok'`)
		file := p.Shot("page")
		if want := filepath.Join(os.Getenv("POSAGENT_ARTIFACTS"), "variants", strings.ReplaceAll(p.Variant.Name(), "/", "-")); filepath.Dir(file) != want {
			t.Errorf("screenshot %s, want it in %s", file, want)
		}
		png, err := os.ReadFile(file)
		if err != nil || len(png) < 24 {
			t.Fatalf("screenshot %s: %v", file, err)
		}
		if w := int(binary.BigEndian.Uint32(png[16:20])); w != p.Variant.Width {
			t.Errorf("screenshot %d px wide, want %d", w, p.Variant.Width)
		}
	})
	if len(seen) != len(Variants) && !t.Failed() {
		t.Errorf("ran variants %v, want all of %v", seen, Variants)
	}
}

// brokenPage has one control a person can use and one broken each way the
// checks must notice, plus panels that overlap or spill.
const brokenPage = `<!doctype html><meta charset="utf-8"><title>checks</title>
<style>
  body { margin: 0; font: 15px sans-serif; }
  .panel { width: 300px; margin: 10px; padding: 8px; border: 1px solid #999; }
  .lid { position: relative; }
  .lid div { position: absolute; inset: 0; background: #c33; }
  .narrow { width: 60px; overflow: hidden; white-space: nowrap; }
  #far { margin-top: 2000px; }
  .pair { position: relative; height: 60px; }
  .pair .panel { position: absolute; top: 0; height: 50px; }
  .pair .b { left: 200px; }
</style>
<div class="panel" id="good"><button id="ok" onclick="this.dataset.n = (+this.dataset.n || 0) + 1">OK</button>
  <input id="field"></div>
<div class="panel lid" id="p2"><button id="covered">Covered</button><div></div></div>
<div class="panel"><div class="narrow"><span>123456789012</span><button id="clipped">Clipped</button></div></div>
<div class="panel" id="spill" style="width: 120px"><table><tr><td>A_long_cell_text</td><td><button id="sticks-out">Void</button></td></tr></table></div>
<button id="gone" hidden>Gone</button>
<div class="pair"><div class="panel a" id="left">A</div><div class="panel b" id="right">B</div></div>
<div class="panel" id="far"><button id="below">Below</button></div>`

// TestChecksCatchWhatAPersonCannotClick checks the checks: a control in
// plain view passes and is clicked; covered, clipped, spilling and hidden
// ones fail with a message naming the problem.
func TestChecksCatchWhatAPersonCannotClick(t *testing.T) {
	t.Setenv("POSAGENT_ARTIFACTS", t.TempDir())
	url := servePage(t, brokenPage)
	RunVariants(t, "checks", func(t *testing.T, p *Tab) {
		p.Container = ".panel"
		p.Do("open", chromedp.Navigate(url))
		p.Click("ok", "#ok")
		p.Click("ok again", "#ok")
		if n := p.EvalString(`document.querySelector('#ok').dataset.n`); n != "2" {
			t.Errorf("two clicks counted %q times", n)
		}
		p.Type("field", "#field", "first")
		p.Type("field", "#field", "typed over")
		if v := p.EvalString(`document.querySelector('#field').value`); v != "typed over" {
			t.Errorf("field holds %q", v)
		}
		p.Visible("a button below the fold, scrolled to", "#below")
		for sel, want := range map[string]string{
			"#covered":    "covered at",
			"#clipped":    "clipped by div.narrow",
			"#sticks-out": "sticks out of div#spill",
			"#gone":       "not rendered",
			"#missing":    "no element matches",
		} {
			if _, err := p.CheckVisible(sel); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("CheckVisible(%s) = %v, want an error with %q", sel, err, want)
			}
		}
		if err := p.CheckLayout("#good, #p2"); err != nil {
			t.Errorf("CheckLayout of two sound panels: %v", err)
		}
		for sel, want := range map[string]string{
			"#left, #right": "overlaps",
			"#p2, #left":    "", // apart
			"#good, #spill": "the content of div#spill",
			"#nothing":      "nothing rendered matches",
		} {
			err := p.CheckLayout(sel)
			if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
				t.Errorf("CheckLayout(%s) = %v, want %q", sel, err, want)
			}
		}
		p.Do("widen the page", chromedp.Evaluate[chromedp.Void](`document.body.style.width = '3000px'`))
		if err := p.CheckLayout("#good"); err == nil || !strings.Contains(err.Error(), "scrolls sideways") {
			t.Errorf("CheckLayout of a page wider than the screen = %v", err)
		}
	})
}
