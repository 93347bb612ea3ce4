package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Tab drives one browser tab the way a person does, failing the test with
// a screenshot when a step does not work.
type Tab struct {
	T     testing.TB
	Ctx   context.Context // the tab's chromedp context
	Shots *Shots
	// Detail, when set, adds to a failure message what the page says
	// (e.g. its error box).
	Detail func() string
	// Container, when set, is a CSS selector of the boxes a control must
	// lie wholly inside to count as visible (e.g. ".panel"); see
	// CheckVisible.
	Container string
	// Variant is the screen size and language the tab runs at (set by
	// RunVariants).
	Variant Variant
}

// Do runs steps within 20 s.
func (p *Tab) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.T.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.Fail(what, err)
	}
}

// Wait polls a JavaScript condition until it holds (15 s). Errors while a
// new page replaces the old one are retried until the deadline.
func (p *Tab) Wait(what, expr string) {
	p.T.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(p.Ctx, 5*time.Second)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(3*time.Second)))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			p.Fail(what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitReloading reloads the page until a JavaScript condition holds on it
// (15 s): for a page the server renders, which shows news only when
// loaded again.
func (p *Tab) WaitReloading(what, expr string) {
	p.T.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(p.Ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			cancel()
			return
		}
		if err == nil {
			err = fmt.Errorf("%s is still false", expr)
		}
		if time.Now().After(deadline) {
			cancel()
			p.Fail(what, err)
		}
		err = chromedp.Do(ctx, chromedp.Reload())
		cancel()
		if err != nil && time.Now().After(deadline) {
			p.Fail(what, err)
		}
	}
}

// Shot takes a screenshot of the tab (see Shots.Take).
func (p *Tab) Shot(name string) string {
	p.T.Helper()
	return p.Shots.Take(p.T, p.Ctx, name)
}

// EvalString evaluates an expression whose value is a string.
func (p *Tab) EvalString(expr string) string {
	p.T.Helper()
	s, err := p.evalString(expr)
	if err != nil {
		p.Fail("evaluate "+expr, err)
	}
	return s
}

// EvalPromise evaluates an expression whose value is a promise of a
// string and waits for it; what names it in a failure.
func (p *Tab) EvalPromise(what, expr string) string {
	p.T.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.Fail(what, err)
	}
	return s
}

// EvalJSON evaluates an expression and decodes its value into v.
func (p *Tab) EvalJSON(expr string, v any) {
	p.T.Helper()
	s := p.EvalString("JSON.stringify(" + expr + ")")
	if err := json.Unmarshal([]byte(s), v); err != nil {
		p.Fail("decode "+s, err)
	}
}

// Text is the text content of the first element matching a CSS selector
// ("" when there is none).
func (p *Tab) Text(sel string) string {
	p.T.Helper()
	return p.EvalString(textOf(sel))
}

// TextNow is Text that never fails the test (for failure messages).
func (p *Tab) TextNow(sel string) string {
	s, _ := p.evalString(textOf(sel))
	return s
}

// Fail ends the test, with a screenshot of the tab.
func (p *Tab) Fail(what string, err error) {
	p.T.Helper()
	shot, serr := p.Shots.TryTake(p.Ctx, "failed-"+what)
	if serr != nil {
		shot = serr.Error()
	}
	detail := ""
	if p.Detail != nil {
		detail = p.Detail() + "; "
	}
	p.T.Fatalf("%s: %v (%sscreenshot %s)", what, err, detail, shot)
}

func (p *Tab) evalString(expr string) (string, error) {
	ctx, cancel := context.WithTimeout(p.Ctx, 10*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[string](expr))
}

func textOf(sel string) string {
	return fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, sel)
}
