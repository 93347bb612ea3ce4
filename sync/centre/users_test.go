package centre_test

import (
	"context"
	"errors"
	"testing"

	"posagent/sync/centre"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
)

func TestAddUserRefusesShortAndCommonPasswords(t *testing.T) {
	c := centretest.Start(t)
	ctx := context.Background()
	for _, pw := range []string{"", "short", "elevenchars", "Password1234", "123456789012", string(make([]byte, 73))} {
		if err := c.Centre().AddUser(ctx, "sup2", store.RoleSupervisor, pw); !errors.Is(err, centre.ErrInvalid) ||
			!errors.Is(err, centre.ErrWeakPassword) || centre.CodeOf(err) != centre.CodeWeakPassword {
			t.Errorf("password %q: err %v, want ErrWeakPassword (and ErrInvalid)", pw, err)
		}
	}
	if err := c.Centre().AddUser(ctx, "sup2", "owner", "twelve-chars"); !errors.Is(err, centre.ErrInvalid) ||
		errors.Is(err, centre.ErrWeakPassword) || centre.CodeOf(err) != centre.CodeInvalidInput {
		t.Errorf("bad role: err %v, want ErrInvalid only", err)
	}
	if err := c.Centre().AddUser(ctx, "sup2", store.RoleSupervisor, "twelve-chars"); err != nil {
		t.Fatalf("12-character password refused: %v", err)
	}
}
