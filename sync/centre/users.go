package centre

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"posagent/sync/centre/store"
)

// MinPassword is the shortest password AddUser takes (72 bytes is bcrypt's
// limit).
const MinPassword = 12

// deniedPasswords are common passwords long enough to pass MinPassword;
// compared case-insensitively.
var deniedPasswords = map[string]bool{
	"password1234": true, "password12345": true, "passwordpassword": true, "123456789012": true,
	"1234567890123": true, "111111111111": true, "000000000000": true, "qwertyuiop12": true,
	"qwertyuiopasdf": true, "administrator": true, "admin1234567": true, "iloveyou1234": true,
	"abcdefghijkl": true, "abc123456789": true, "woaini1314520": true, "a123456789012": true,
}

// AddUser creates or replaces a supervisor or administrator. The password
// (MinPassword to 72 bytes, not a common one) is stored as a bcrypt hash.
func (c *Centre) AddUser(ctx context.Context, name, role, password string) error {
	if err := checkID(name); err != nil {
		return invalidf("add user: name %q: %w", name, err)
	}
	if role != store.RoleSupervisor && role != store.RoleAdmin {
		return invalidf("add user %s: role %q: want %s or %s", name, role, store.RoleSupervisor, store.RoleAdmin)
	}
	if len(password) < MinPassword || len(password) > 72 {
		return invalidf("add user %s: %w: must be %d to 72 bytes, got %d", name, ErrWeakPassword, MinPassword, len(password))
	}
	if deniedPasswords[strings.ToLower(password)] {
		return invalidf("add user %s: %w: too common, choose another", name, ErrWeakPassword)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), c.cfg.PasswordCost)
	if err != nil {
		return fmt.Errorf("add user %s: hash password: %w", name, err)
	}
	// Replacing a user is a change: its password, and maybe its role.
	action, detail := store.AuditUserAdd, "role "+role
	if old, err := c.st.User(ctx, name); err == nil {
		action, detail = store.AuditUserChange, "password; role "+role
		if old.Role != role {
			detail = fmt.Sprintf("password; role %s (was %s)", role, old.Role)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("add user %s: %w", name, err)
	}
	if err := c.st.AddUser(ctx, store.User{Name: name, Role: role, PasswordHash: hash}); err != nil {
		return fmt.Errorf("add user %s: %w", name, err)
	}
	c.log.Info("user added", "name", name, "role", role)
	c.Audit(ctx, action, name, detail)
	return nil
}

// User returns a user, or an error wrapping store.ErrNotFound.
func (c *Centre) User(ctx context.Context, name string) (store.User, error) {
	return c.st.User(ctx, name)
}

// PasswordMatches checks password against u's bcrypt hash, at most
// maxBcrypt checks at a time. For the zero User (an unknown name) it
// checks against a dummy hash and answers false, so a wrong name costs
// the same time as a wrong password.
func (c *Centre) PasswordMatches(u store.User, password string) bool {
	c.passwords <- struct{}{}
	defer func() { <-c.passwords }()
	if u.Name == "" || len(u.PasswordHash) == 0 {
		_ = bcrypt.CompareHashAndPassword(c.dummyHash(), []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) == nil
}
