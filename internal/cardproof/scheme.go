package cardproof

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// Scheme is how a region keys its cards and how a card signs: the one here
// (HMACSHA256) or, in a real region, the SM4 scheme of its PSAM. It must be
// safe for concurrent use.
type Scheme interface {
	// CardKey derives the key of the card numbered cardNo.
	CardKey(issuer IssuerKey, cardNo string) ([]byte, error)
	// Cryptogram is the MAC of the card key over the challenge and counter.
	Cryptogram(cardKey []byte, ch Challenge, counter uint64) []byte
	// Equal compares two cryptograms in constant time.
	Equal(a, b []byte) bool
}

// HMACSHA256 derives card keys with HKDF-SHA256 (the issuer key as input
// key material, the card number in the info) and signs with HMAC-SHA256
// over the challenge followed by the counter (8 bytes, big-endian).
type HMACSHA256 struct{}

// Default is the scheme the product uses.
var Default Scheme = HMACSHA256{}

// cardKeyInfo prefixes the card number in HKDF's info.
const cardKeyInfo = "posagent card key v1 "

// CardKey implements Scheme.
func (HMACSHA256) CardKey(issuer IssuerKey, cardNo string) ([]byte, error) {
	if cardNo == "" {
		return nil, fmt.Errorf("%w: no card number", ErrMalformed)
	}
	return hkdf.Key(sha256.New, issuer, nil, cardKeyInfo+cardNo, sha256.Size)
}

// Cryptogram implements Scheme.
func (HMACSHA256) Cryptogram(cardKey []byte, ch Challenge, counter uint64) []byte {
	m := hmac.New(sha256.New, cardKey)
	m.Write(ch[:])
	m.Write(binary.BigEndian.AppendUint64(nil, counter))
	return m.Sum(nil)
}

// Equal implements Scheme.
func (HMACSHA256) Equal(a, b []byte) bool { return hmac.Equal(a, b) }

// IssuerKeySize is the size of an issuer key.
const IssuerKeySize = 32

// IssuerKey is the region's secret every card key is derived from.
type IssuerKey []byte

// NewIssuerKey makes a random issuer key.
func NewIssuerKey() (IssuerKey, error) {
	k := make(IssuerKey, IssuerKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("issuer key: %w", err)
	}
	return k, nil
}

// ParseIssuerKey reads an issuer key file's text: the key in hex, with
// surrounding white space allowed.
func ParseIssuerKey(text []byte) (IssuerKey, error) {
	k, err := hex.DecodeString(strings.TrimSpace(string(text)))
	if err != nil || len(k) != IssuerKeySize {
		return nil, fmt.Errorf("%w: an issuer key file holds %d bytes in hex", ErrMalformed, IssuerKeySize)
	}
	return k, nil
}

// MarshalText is the key file's text (hex and a newline).
func (k IssuerKey) MarshalText() ([]byte, error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	return []byte(hex.EncodeToString(k) + "\n"), nil
}

func (k IssuerKey) check() error {
	if len(k) != IssuerKeySize {
		return fmt.Errorf("%w: issuer key is %d bytes, want %d", ErrMalformed, len(k), IssuerKeySize)
	}
	return nil
}
