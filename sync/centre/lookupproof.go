package centre

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"posagent/internal/cardproof"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// A proven look-up (SPEC §9, §10): the centre gives a terminal a fresh
// nonce on its connection, the card in the reader signs
// cardproof.LookupChallenge(nonce, terminal, card) through the reader's
// AUTH, and the account_req carries the answer. Only a centre with the
// issuer key issues nonces.

// Look-up nonces.
const (
	// LookupNonceSize is the size of a nonce, from crypto/rand.
	LookupNonceSize = 32
	// LookupNonceLifetime is how long, on the centre's clock, a nonce
	// proves a look-up after it was issued.
	LookupNonceLifetime = 60 * time.Second
	// MaxLookupNonces is how many nonces one connection may hold unused:
	// issuing another forgets the oldest.
	MaxLookupNonces = 4
)

// Why a look-up proof does not hold (wrapped; the look-up is then
// answered as unproven).
var (
	ErrNoIssuerKey   = errors.New("this centre does not judge card presence (no issuer key)")
	ErrUnknownNonce  = errors.New("look-up nonce not issued on this connection, used already, or forgotten")
	ErrExpiredNonce  = errors.New("look-up nonce expired")
	ErrLookupProof   = errors.New("look-up proof does not verify")
	errNoNonceHolder = errors.New("no nonces on this connection")
)

// JudgesPresence reports whether the centre holds the issuer key: then it
// issues look-up nonces and answers unproven look-ups reduced.
func (c *Centre) JudgesPresence() bool { return c.cfg.IssuerKey != nil }

// LookupNonces are the unused look-up nonces of one connection, kept in
// its memory only: a nonce proves a look-up on the connection it was
// issued on, once. The zero value is ready; it is safe for concurrent use.
type LookupNonces struct {
	mu     sync.Mutex
	issued []issuedNonce // oldest first, at most MaxLookupNonces
}

type issuedNonce struct {
	nonce string // hex
	at    time.Time
}

// LookupNonce issues a fresh nonce to terminal t on the connection whose
// nonces are n. It is ErrNoIssuerKey on a centre without the issuer key,
// and ErrRateLimited past the terminal's nonce rate (a token bucket like
// the look-ups', LookupRate and LookupBurst).
func (c *Centre) LookupNonce(t store.Terminal, n *LookupNonces) ([]byte, error) {
	if c.cfg.IssuerKey == nil {
		return nil, ErrNoIssuerKey
	}
	now := c.Now()
	if !c.nonceBuckets.take(t.ID, now) {
		c.cfg.Observer.LookupRefused()
		return nil, fmt.Errorf("look-up nonce for %s: %w", t.ID, ErrRateLimited)
	}
	nonce := make([]byte, LookupNonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("look-up nonce: %w", err)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.issued) >= MaxLookupNonces {
		n.issued = n.issued[len(n.issued)-MaxLookupNonces+1:]
	}
	n.issued = append(n.issued, issuedNonce{nonce: hex.EncodeToString(nonce), at: now})
	return nonce, nil
}

// take removes nonce (hex) from n and reports when it was issued.
func (n *LookupNonces) take(nonce string) (time.Time, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i, in := range n.issued {
		if in.nonce == nonce {
			n.issued = append(n.issued[:i], n.issued[i+1:]...)
			return in.at, true
		}
	}
	return time.Time{}, false
}

// checkLookupProof checks p for a look-up of cardNo by t at now: its
// nonce was issued on this connection (n), is unused (it is used now,
// whatever the outcome) and younger than LookupNonceLifetime, and its
// cryptogram is the card's over the look-up challenge.
func (c *Centre) checkLookupProof(t store.Terminal, cardNo string, p *wire.LookupProof, n *LookupNonces, now time.Time) error {
	if n == nil {
		return errNoNonceHolder
	}
	issued, ok := n.take(p.Nonce)
	if !ok {
		return ErrUnknownNonce
	}
	if age := now.Sub(issued); age >= LookupNonceLifetime || age < 0 {
		return fmt.Errorf("%w: issued %v ago", ErrExpiredNonce, age)
	}
	nonce, err := hex.DecodeString(p.Nonce)
	if err != nil {
		return fmt.Errorf("%w: nonce: %v", ErrLookupProof, err)
	}
	crypt, err := hex.DecodeString(p.Cryptogram)
	if err != nil {
		return fmt.Errorf("%w: cryptogram is not hex", ErrLookupProof)
	}
	if err := cardproof.VerifyLookup(cardproof.Default, c.cfg.IssuerKey, nonce, t.ID, cardNo, p.Counter, crypt); err != nil {
		return fmt.Errorf("%w: %w", ErrLookupProof, err)
	}
	return nil
}
