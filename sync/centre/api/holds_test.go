package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
)

// A supervisor day over HTTP: a refusal above second_review_amount (the
// default 500 yuan) waits for a second supervisor, its author cannot
// confirm it, another supervisor does; a small refusal takes effect at
// once; defer then accept moves the money once; refuse and defer need a
// note; the history answers every ruling. On both stores.
func TestRulingsOverHTTP(t *testing.T) {
	for _, kind := range centretest.Stores {
		t.Run(string(kind), func(t *testing.T) { testRulingsOverHTTP(t, kind) })
	}
}

func testRulingsOverHTTP(t *testing.T, kind centretest.StoreKind) {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true, Store: kind})
	c.Users()
	c.AddUser("li", store.RoleSupervisor, "li-password-long")
	sup := centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword)
	li := centretest.Basic("li", "li-password-long")
	now := c.Now()
	at := func(m int) time.Time { return now.Add(-time.Hour + time.Duration(m)*time.Minute) }
	before := c.AccountBalance(zhangSan)
	bigPowder := powder
	bigPowder.Qty, bigPowder.Amount, bigPowder.Account = 3, 3*19800, 3*19800
	got := c.Rogue("T1", "P001").Send(
		centretest.AccountCharge(zhangSan, at(0), bigPowder), // 1: 59400 held
		centretest.AccountCharge(zhangSan, at(1), powder),    // 2: 19800 held
		centretest.AccountCharge(zhangSan, at(2), powder),    // 3: 19800 held
	)
	for i, x := range got {
		if x.Hold != store.HoldHeld || x.Held != x.Account {
			t.Fatalf("record %d %+v: want held whole", i+1, x)
		}
	}
	rule := func(auth func(*http.Request), seq uint64, body string) (int, json.RawMessage) {
		t.Helper()
		var raw json.RawMessage
		resp := c.Request(http.MethodPost, fmt.Sprintf("/api/holds/T1/%d", seq), auth, bytes.NewBufferString(body), &raw)
		return resp.StatusCode, raw
	}
	hold := func(raw json.RawMessage) string {
		var x store.Txn
		_ = json.Unmarshal(raw, &x)
		return x.Hold
	}
	code := func(raw json.RawMessage) string {
		var e web.ErrorBody
		_ = json.Unmarshal(raw, &e)
		return e.Code
	}

	// Refuse and defer need a note.
	for _, body := range []string{`{"ruling":"refuse"}`, `{"ruling":"defer","note":"  "}`, `{"ruling":"pay"}`} {
		if st, raw := rule(sup, 1, body); st != http.StatusBadRequest || code(raw) != centre.CodeBadRuling {
			t.Fatalf("%s: %d %s, want 400 %s", body, st, raw, centre.CodeBadRuling)
		}
	}
	// A big refusal waits; its author cannot confirm it.
	if st, raw := rule(sup, 1, `{"ruling":"refuse","note":"拆单"}`); st != http.StatusOK || hold(raw) != store.HoldRefusePending {
		t.Fatalf("refuse: %d %s", st, raw)
	}
	if st, raw := rule(sup, 1, `{"ruling":"confirm"}`); st != http.StatusConflict || code(raw) != centre.CodeOwnRuling {
		t.Fatalf("confirming one's own refusal: %d %s, want 409 %s", st, raw, centre.CodeOwnRuling)
	}
	if st, raw := rule(li, 1, `{"ruling":"refuse","note":"也拒"}`); st != http.StatusConflict || code(raw) != centre.CodeNotPending {
		t.Fatalf("refusing a pending refusal: %d %s", st, raw)
	}
	if st, raw := rule(li, 1, `{"ruling":"confirm","note":"同意"}`); st != http.StatusOK || hold(raw) != store.HoldRefused {
		t.Fatalf("a second supervisor's confirm: %d %s", st, raw)
	}
	if st, raw := rule(li, 1, `{"ruling":"confirm"}`); st != http.StatusConflict || code(raw) != centre.CodeNoHold {
		t.Fatalf("confirming twice: %d %s", st, raw)
	}
	// Nothing pending: confirm is refused; a small refusal takes effect.
	if st, raw := rule(li, 2, `{"ruling":"confirm"}`); st != http.StatusConflict || code(raw) != centre.CodeNotPending {
		t.Fatalf("confirm with nothing pending: %d %s", st, raw)
	}
	if st, raw := rule(sup, 2, `{"ruling":"refuse","note":"保健品"}`); st != http.StatusOK || hold(raw) != store.HoldRefused {
		t.Fatalf("a small refusal: %d %s", st, raw)
	}
	if b := c.AccountBalance(zhangSan); b != before {
		t.Fatalf("balance %d after refusals, want %d", b, before)
	}
	// Defer, then accept: the money moves once.
	if st, raw := rule(sup, 3, `{"ruling":"defer","note":"待核实"}`); st != http.StatusOK || hold(raw) != store.HoldDeferred {
		t.Fatalf("defer: %d %s", st, raw)
	}
	if b := c.AccountBalance(zhangSan); b != before {
		t.Fatalf("balance %d after deferring", b)
	}
	if st, raw := rule(li, 3, `{"ruling":"accept"}`); st != http.StatusOK || hold(raw) != store.HoldAccepted {
		t.Fatalf("accept: %d %s", st, raw)
	}
	if b := c.AccountBalance(zhangSan); b != before-19800 {
		t.Fatalf("balance %d after accepting, want %d", b, before-19800)
	}

	// The history.
	var hist []store.Ruling
	if resp := c.Request(http.MethodGet, "/api/holds/T1/1/rulings", li, nil, &hist); resp.StatusCode != http.StatusOK {
		t.Fatalf("rulings: %d", resp.StatusCode)
	}
	if len(hist) != 2 || hist[0].Action != "refuse" || hist[0].By != centretest.SupervisorName || hist[0].Note != "拆单" ||
		hist[0].State != store.HoldRefusePending || hist[1].Action != "confirm" || hist[1].By != "li" ||
		hist[1].State != store.HoldRefused || hist[0].At.IsZero() {
		t.Fatalf("history %+v", hist)
	}
	var empty []store.Ruling
	c.Rogue("T2", "P001").Send(centretest.AccountCharge(liSi, at(5), metformin))
	if resp := c.Request(http.MethodGet, "/api/holds/T2/1/rulings", li, nil, &empty); resp.StatusCode != http.StatusOK || empty == nil || len(empty) != 0 {
		t.Fatalf("history of a record never ruled on: %d %+v", resp.StatusCode, empty)
	}
	if resp := c.Request(http.MethodGet, "/api/holds/T1/99/rulings", li, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("history of no record: %d", resp.StatusCode)
	}
	if resp := c.Request(http.MethodGet, "/api/holds/T1/1/rulings", nil, nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("history without a login: %d", resp.StatusCode)
	}
}

// The second-review amount is the latest published rules' at the time of
// the ruling: published at 100 fen after the charge was held, a refusal
// of 198 yuan waits for a second supervisor.
func TestRulingsReadThePublishedSecondReviewAmount(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{Sample: true})
	c.Users()
	got := c.Rogue("T1", "P001").Send(centretest.AccountCharge(zhangSan, c.Now().Add(-time.Hour), powder))
	if got[0].Hold != store.HoldHeld || got[0].Held != 19800 {
		t.Fatalf("charge %+v: want 19800 held", got[0])
	}
	td := centretest.Testdata(t)
	cat, err := os.ReadFile(filepath.Join(td, "catalogue.csv"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(td, "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rules map[string]any
	if err := json.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	rules["second_review_amount"] = 100
	if raw, err = json.Marshal(rules); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Centre().Publish(t.Context(), cat, raw); err != nil {
		t.Fatal(err)
	}
	var x store.Txn
	resp := c.Request(http.MethodPost, "/api/holds/T1/1", centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword),
		bytes.NewBufferString(`{"ruling":"refuse","note":"保健品"}`), &x)
	if resp.StatusCode != http.StatusOK || x.Hold != store.HoldRefusePending {
		t.Fatalf("refuse: %d %+v, want %s", resp.StatusCode, x, store.HoldRefusePending)
	}
}
