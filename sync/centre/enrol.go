package centre

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"posagent/sync/centre/store"
)

// Enrol creates a terminal of a pharmacy, or re-keys an existing one
// (keeping its sync state), and returns its new token: 32 random bytes,
// base64url. Only the token's SHA-256 is stored. It must not run
// concurrently with Apply for the same terminal (a running Server sees to
// it, and drops the terminal's connection made with the old token).
func Enrol(ctx context.Context, st store.Store, terminal, pharmacy string) (string, error) {
	if err := checkID(terminal); err != nil {
		return "", invalidf("enrol: terminal %q: %w", terminal, err)
	}
	if err := checkID(pharmacy); err != nil {
		return "", invalidf("enrol: pharmacy %q: %w", pharmacy, err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("enrol %s: token: %w", terminal, err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	t, err := st.Terminal(ctx, terminal)
	switch {
	case errors.Is(err, store.ErrNotFound):
		t = store.Terminal{ID: terminal, EnrolledAt: time.Now().UTC()}
	case err != nil:
		return "", fmt.Errorf("enrol %s: %w", terminal, err)
	}
	t.Pharmacy, t.TokenHash = pharmacy, hashToken(token)
	if err := st.EnrolTerminal(ctx, t); err != nil {
		return "", fmt.Errorf("enrol %s: %w", terminal, err)
	}
	return token, nil
}

// bcryptCost is the cost of new password hashes (tests lower it).
var bcryptCost = bcrypt.DefaultCost

// AddUser creates or replaces a supervisor or administrator. The password
// (8 to 72 bytes, bcrypt's limit) is stored as a bcrypt hash.
func AddUser(ctx context.Context, st store.Store, name, role, password string) error {
	if err := checkID(name); err != nil {
		return invalidf("add user: name %q: %w", name, err)
	}
	if role != store.RoleSupervisor && role != store.RoleAdmin {
		return invalidf("add user %s: role %q: want %s or %s", name, role, store.RoleSupervisor, store.RoleAdmin)
	}
	if len(password) < 8 || len(password) > 72 {
		return invalidf("add user %s: password must be 8 to 72 bytes, got %d", name, len(password))
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return fmt.Errorf("add user %s: hash password: %w", name, err)
	}
	if err := st.AddUser(ctx, store.User{Name: name, Role: role, PasswordHash: hash}); err != nil {
		return fmt.Errorf("add user %s: %w", name, err)
	}
	return nil
}

// checkID accepts 1–64 printable characters without spaces or colons
// (a colon would break HTTP Basic credentials).
func checkID(s string) error {
	if s == "" || len(s) > 64 {
		return errors.New("want 1 to 64 characters")
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) || r == ':' || r == '/' {
			return errors.New("no spaces, colons, slashes or control characters")
		}
	}
	return nil
}
