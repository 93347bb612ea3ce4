package centre

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"posagent/sync/centre/store"
)

// Enrol creates a terminal of a pharmacy, or re-keys an existing one
// (keeping its sync state), and returns its new token: 32 random bytes,
// base64url. Only the token's SHA-256 is stored. The ledger is held still
// meanwhile, and a connection the terminal made with its old token is
// dropped.
func (c *Centre) Enrol(ctx context.Context, terminal, pharmacy string) (string, error) {
	c.ledgerMu.Lock()
	token, err := c.enrol(ctx, terminal, pharmacy)
	c.ledgerMu.Unlock()
	if err != nil {
		return "", err
	}
	c.notify().TerminalRekeyed(terminal)
	c.log.Info("terminal enrolled", "terminal", terminal, "pharmacy", pharmacy)
	c.Audit(ctx, store.AuditEnrol, terminal, "pharmacy "+pharmacy)
	return token, nil
}

func (c *Centre) enrol(ctx context.Context, terminal, pharmacy string) (string, error) {
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
	t, err := c.st.Terminal(ctx, terminal)
	switch {
	case errors.Is(err, store.ErrNotFound):
		t = store.Terminal{ID: terminal, EnrolledAt: c.Now().UTC()}
	case err != nil:
		return "", fmt.Errorf("enrol %s: %w", terminal, err)
	}
	t.Pharmacy, t.TokenHash = pharmacy, hashToken(token)
	if err := c.st.EnrolTerminal(ctx, t); err != nil {
		return "", fmt.Errorf("enrol %s: %w", terminal, err)
	}
	return token, nil
}

// AuthenticateTerminal returns the terminal whose id and token these are,
// ErrUnauthorized when they are not those of an enrolled terminal, or
// the store's error.
func (c *Centre) AuthenticateTerminal(ctx context.Context, id, token string) (store.Terminal, error) {
	t, err := c.st.Terminal(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Terminal{}, fmt.Errorf("terminal %s: %w", id, err)
	}
	if !tokenMatches(token, t.TokenHash) || err != nil {
		return store.Terminal{}, ErrUnauthorized
	}
	return t, nil
}

// hashToken is the stored form of a terminal token: hex SHA-256.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// tokenMatches compares a token's SHA-256 with a stored hex hash in
// constant time. An empty stored hash never matches.
func tokenMatches(token, hashHex string) bool {
	got := hashToken(token)
	want := strings.ToLower(hashHex)
	if len(want) != len(got) {
		want = strings.Repeat("x", len(got)) // compare anyway: same time, never equal
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// checkID accepts 1–64 printable characters without spaces, colons or
// slashes (a colon would break HTTP Basic credentials, a slash a URL).
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
