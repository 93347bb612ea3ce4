package browsertest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
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
