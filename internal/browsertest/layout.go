package browsertest

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chromedp/chromedp"
)

// layoutJS defines window.__layout: the in-page checks behind CheckVisible
// and CheckLayout. It is sent with every check (and defines them once per
// page), so a page that has just replaced another has them too.
//
//go:embed layout.js
var layoutJS string

// Point is a position in the viewport, in CSS pixels.
type Point struct{ X, Y float64 }

// checkResult is what the in-page checks answer: a problem, or a point.
type checkResult struct {
	Problem string  `json:"problem"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
}

// CheckVisible scrolls the first element matching sel to the middle of the
// viewport and reports whether a person could see and click all of it:
//   - it is rendered, with a size;
//   - its box lies inside the viewport, inside every ancestor that clips
//     (overflow other than visible), and inside its nearest ancestor
//     matching p.Container (when set), so a control that sticks out of its
//     panel fails even when nothing clips it;
//   - it is the topmost element (document.elementFromPoint, the element or
//     one of its descendants) at its centre and near its four corners, so a
//     control painted over by another fails.
//
// It returns the element's centre, where Click clicks.
func (p *Tab) CheckVisible(sel string) (Point, error) {
	var res checkResult
	if err := p.evalJSON(fmt.Sprintf(`window.__layout.visible(%s, %s)`, jsString(sel), jsString(p.Container)), &res); err != nil {
		return Point{}, err
	}
	if res.Problem != "" {
		return Point{}, fmt.Errorf("%s: %s", sel, res.Problem)
	}
	return Point{res.X, res.Y}, nil
}

// CheckLayout reports whether the rendered boxes matching sel (the page's
// panels) sit side by side as designed: no two of them overlap, nothing
// inside one sticks out of it (a descendant's box beyond its edges, or
// text wider than it), and the page does not scroll sideways.
func (p *Tab) CheckLayout(sel string) error {
	var res checkResult
	if err := p.evalJSON(fmt.Sprintf(`window.__layout.panels(%s)`, jsString(sel)), &res); err != nil {
		return err
	}
	if res.Problem != "" {
		return errors.New(res.Problem)
	}
	return nil
}

// Visible waits until an element matching sel is rendered, then fails
// the test, with a screenshot, unless CheckVisible passes.
func (p *Tab) Visible(what, sel string) {
	p.T.Helper()
	p.waitRendered(what, sel)
	if _, err := p.CheckVisible(sel); err != nil {
		p.Fail(what+": not fully visible", err)
	}
}

// waitRendered waits until an element matching sel is rendered: what a
// person waits for before reaching for it.
func (p *Tab) waitRendered(what, sel string) {
	p.T.Helper()
	p.Wait(what, fmt.Sprintf(`((e) => !!e && e.getClientRects().length > 0)(document.querySelector(%s))`, jsString(sel)))
}

// Layout fails the test, with a screenshot, unless CheckLayout passes.
func (p *Tab) Layout(what, sel string) {
	p.T.Helper()
	if err := p.CheckLayout(sel); err != nil {
		p.Fail(what+": layout", err)
	}
}

// Click waits until an element matching sel is rendered, checks as
// Visible does that a person could click it, then clicks the middle of it
// with the mouse, where the check looked: a covered or clipped control
// fails the test instead of the click landing on whatever is on top.
func (p *Tab) Click(what, sel string) {
	p.T.Helper()
	p.waitRendered(what, sel)
	at, err := p.CheckVisible(sel)
	if err != nil {
		p.Fail(what+": cannot click", err)
	}
	p.Do(what, chromedp.MouseClickXY(at.X, at.Y))
}

// Type clicks a field as Click does, selects what it holds and types text
// over it.
func (p *Tab) Type(what, sel, text string) {
	p.T.Helper()
	p.Click(what, sel)
	p.Do(what,
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent(text))
}

func (p *Tab) evalJSON(expr string, v any) error {
	s, err := p.evalString(fmt.Sprintf(`(() => { %s; return JSON.stringify(%s); })()`, layoutJS, expr))
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode %s: %w", s, err)
	}
	return nil
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
