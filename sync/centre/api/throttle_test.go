package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/api"
	"posagent/sync/centre/centretest"
)

// TestThousandWrongPasswordsAreThrottled: with the clock standing still,
// 1,000 wrong passwords for one user get 5 password checks; the back-off
// then doubles (1 s, 2 s, 4 s ...) and even the right password waits it out.
func TestThousandWrongPasswordsAreThrottled(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	ctx := context.Background()
	u, err := c.Centre().User(ctx, centretest.SupervisorName)
	if err != nil {
		t.Fatal(err)
	}
	var l api.Logins
	try := func(pw string, i int) bool {
		ok, wait := l.CheckFrom(c.Centre(), u, u.Name, fmt.Sprintf("192.0.2.%d:4000", i%200), pw)
		if ok && wait != 0 {
			t.Fatalf("a login passed with a wait of %v", wait)
		}
		return ok
	}
	for i := range 1000 {
		if try("wrong-password", i) {
			t.Fatal("a wrong password passed")
		}
	}
	if got := l.Checked(); got != 5 {
		t.Fatalf("%d of 1000 wrong passwords were checked, want 5", got)
	}
	if try(centretest.SupervisorPassword, 0) {
		t.Fatal("the right password passed during the back-off")
	}
	c.Clock.Advance(time.Second + time.Millisecond)
	if try("wrong-password", 0) || l.Checked() != 6 {
		t.Fatalf("after 1 s: checked %d, want 6", l.Checked())
	}
	c.Clock.Advance(time.Second + time.Millisecond) // back-off is now 2 s
	if try(centretest.SupervisorPassword, 0) || l.Checked() != 6 {
		t.Fatalf("after 1 s of a 2 s back-off: checked %d, want 6", l.Checked())
	}
	c.Clock.Advance(time.Second)
	if !try(centretest.SupervisorPassword, 0) {
		t.Fatal("the right password after the back-off was refused")
	}
	if !try(centretest.SupervisorPassword, 0) || l.Checked() != 8 {
		t.Fatalf("a success did not clear the count: checked %d", l.Checked())
	}
}

// TestThrottledBasicLoginAnswers429: after five wrong passwords, the API
// answers 429 TOO_MANY_ATTEMPTS with its Chinese text and Retry-After,
// even to the right password, until the back-off has passed.
func TestThrottledBasicLoginAnswers429(t *testing.T) {
	c := centretest.Start(t)
	c.Users()
	wrong := centretest.Basic(centretest.SupervisorName, "wrong-password")
	right := centretest.Basic(centretest.SupervisorName, centretest.SupervisorPassword)
	for i := range 5 {
		if resp := c.Request("GET", "/api/terminals", wrong, nil, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	for _, auth := range []func(*http.Request){wrong, right} {
		var e web.ErrorBody
		resp := c.Request("GET", "/api/terminals", auth, nil, &e)
		if resp.StatusCode != http.StatusTooManyRequests || e.Code != centre.CodeTooManyAttempts ||
			e.MessageZh != centre.MessagesZh[centre.CodeTooManyAttempts] || e.MessageZh == "" || e.Message == "" {
			t.Fatalf("throttled login: %d %+v, want 429 %s with its texts", resp.StatusCode, e, centre.CodeTooManyAttempts)
		}
		if got := resp.Header.Get("Retry-After"); got != "1" {
			t.Fatalf("Retry-After %q, want 1 (the first back-off)", got)
		}
		if resp.Header.Get("WWW-Authenticate") != "" {
			t.Fatal("a throttled login asked for credentials again")
		}
	}
	c.Clock.Advance(time.Second)
	if resp := c.Request("GET", "/api/terminals", right, nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("right password after the back-off: %d", resp.StatusCode)
	}
}
