// Package browsertest runs the pages posagent serves (the cashier page,
// the supervisor console) in a real headless Chromium for end-to-end tests:
// it finds the browser, starts it with a fresh profile and the flags a
// container needs, and writes screenshots where a person can look at them.
// Without a Chromium it skips the test, unless POSAGENT_REQUIRE_ALL=1 says
// every test must run.
//
// RunVariants runs one scenario at every screen size and language of
// Variants. A Tab drives the page as a person does: Click and Type act
// only on a control that CheckVisible finds in plain view (inside the
// viewport and its panel, not clipped, not painted over), and Layout
// checks that the page's panels neither overlap nor spill, so a broken
// layout fails the test with a screenshot instead of a click landing
// elsewhere.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Candidates are the Chromium binaries looked for, in order, after
// $POSAGENT_CHROMIUM. The Debian package `chromium` installs the first.
var Candidates = []string{
	"/usr/bin/chromium",
	"/usr/bin/chromium-browser",
	"/usr/bin/google-chrome",
	"/usr/bin/google-chrome-stable",
	"chromium",
	"chromium-browser",
	"google-chrome",
}

// FindChromium returns the path of a Chromium binary, or "" when there is
// none: $POSAGENT_CHROMIUM if set, else the first of Candidates found.
func FindChromium() string {
	if p := os.Getenv("POSAGENT_CHROMIUM"); p != "" {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
		return ""
	}
	for _, c := range Candidates {
		if path, err := exec.LookPath(c); err == nil {
			return path
		}
	}
	return ""
}

// RequireAll reports whether POSAGENT_REQUIRE_ALL=1: tests that would skip
// for a missing tool fail instead (CI sets it).
func RequireAll() bool { return os.Getenv("POSAGENT_REQUIRE_ALL") == "1" }

// AllocatorOptions are the flags Chromium runs with in tests: headless, no
// sandbox (tests may run as root in a container), no GPU, /tmp instead of a
// small /dev/shm, and nothing that talks to the network on its own.
func AllocatorOptions(execPath, userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(userDataDir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(1280, 900),
	}
}

// New starts a headless Chromium with a fresh profile for t and returns a
// context of one tab in it; the browser is closed when the test ends. It
// skips the test when no Chromium is found (fails with RequireAll).
func New(t testing.TB) context.Context {
	t.Helper()
	path := FindChromium()
	if path == "" {
		msg := "Chromium not installed: apt-get install chromium (POSAGENT_REQUIRE_ALL=1 makes this a failure)"
		if RequireAll() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), AllocatorOptions(path, t.TempDir())...)
	ctx, cancelTab := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	return ctx
}

// ArtifactsDir is the folder screenshots of a test go to:
// $POSAGENT_ARTIFACTS/<name> when set, else <os temp dir>/posagent-<name>-screens.
// t.TempDir() is removed after the test, so screenshots are not put there.
func ArtifactsDir(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "posagent-"+name+"-screens")
	if base := os.Getenv("POSAGENT_ARTIFACTS"); base != "" {
		dir = filepath.Join(base, name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts folder: %v", err)
	}
	return dir
}

// Shots writes numbered full-page screenshots of one test into a folder.
type Shots struct {
	Dir string
	mu  gosync.Mutex
	n   int
}

// NewShots returns a screenshot writer into ArtifactsDir(t, name). The
// PNGs of an earlier run there are removed, so the folder shows one run.
func NewShots(t testing.TB, name string) *Shots {
	t.Helper()
	return newShotsIn(t, ArtifactsDir(t, name))
}

// newShotsIn returns a screenshot writer into dir, made if missing and
// emptied of PNGs.
func newShotsIn(t testing.TB, dir string) *Shots {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshots folder: %v", err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	return &Shots{Dir: dir}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Take writes a full-page PNG of the tab as NN-name.png, logs its path and
// returns it. A screenshot that cannot be taken fails the test.
func (s *Shots) Take(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	file, err := s.TryTake(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", file)
	return file
}

// TryTake is Take without the test: for a screenshot taken while a test is
// already failing.
func (s *Shots) TryTake(ctx context.Context, name string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second) // a broken tab must not hang the test
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		return "", fmt.Errorf("screenshot %s: %w", name, err)
	}
	s.mu.Lock()
	s.n++
	file := filepath.Join(s.Dir, fmt.Sprintf("%02d-%s.png", s.n, strings.Trim(unsafeName.ReplaceAllString(name, "-"), "-")))
	s.mu.Unlock()
	if err := os.WriteFile(file, png, 0o644); err != nil {
		return "", fmt.Errorf("screenshot %s: %w", name, err)
	}
	return file, nil
}
