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
		if err := c.Centre().AddUser(ctx, "sup2", store.RoleSupervisor, pw); !errors.Is(err, centre.ErrInvalid) {
			t.Errorf("password %q: err %v, want ErrInvalid", pw, err)
		}
	}
	if err := c.Centre().AddUser(ctx, "sup2", store.RoleSupervisor, "twelve-chars"); err != nil {
		t.Fatalf("12-character password refused: %v", err)
	}
}
