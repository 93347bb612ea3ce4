package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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
		return l.CheckFrom(c.Centre(), u, u.Name, fmt.Sprintf("192.0.2.%d:4000", i%200), pw)
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
