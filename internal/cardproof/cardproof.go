// Package cardproof owns the proof that an insured person's IC card was at
// the counter for one sale (SPEC §10): the challenge a charge is signed
// over, the card's answer (a counter and a cryptogram), the region's issuer
// key and the scheme that derives each card's key from it and computes the
// cryptogram.
//
// A card holds only its own key, derived from the issuer key, which only the
// centre (and the card simulator) hold; so a terminal can ask a card to
// sign a sale but can neither sign one itself nor check a signature. The
// scheme is behind Scheme so that the region's SM4/PSAM scheme can replace
// the one here, which is built from the standard library's HKDF and
// HMAC-SHA256.
//
// The package is pure: no I/O, no clock, no globals besides the default
// scheme. Keys are read and written by the commands that own the files.
package cardproof

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ChallengeSize is the size of a challenge: a SHA-256 digest.
const ChallengeSize = sha256.Size

// Challenge is what the card signs: the digest of one sale.
type Challenge [ChallengeSize]byte

// String is the challenge in hex, as records carry it.
func (c Challenge) String() string { return hex.EncodeToString(c[:]) }

// Sale is the part of a charge a challenge covers: who charges (terminal
// and journal sequence), whose card, how much from the account out of what
// total, and when. A cryptogram over one sale is worthless for any other.
type Sale struct {
	Terminal string
	Seq      uint64
	CardNo   string
	Account  int64
	Total    int64
	At       time.Time
}

// challengeDomain separates these digests from every other use of SHA-256.
const challengeDomain = "posagent card challenge v1"

// ChallengeFor is the SHA-256 of the sale's canonical form: the domain,
// then each field length-prefixed (strings) or fixed-width big-endian
// (numbers; the time as Unix nanoseconds in UTC), so no two sales share a
// form.
func ChallengeFor(s Sale) Challenge {
	h := sha256.New()
	var n [8]byte
	str := func(v string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(v)))
		h.Write(n[:])
		h.Write([]byte(v))
	}
	num := func(v uint64) {
		binary.BigEndian.PutUint64(n[:], v)
		h.Write(n[:])
	}
	str(challengeDomain)
	str(s.Terminal)
	num(s.Seq)
	str(s.CardNo)
	num(uint64(s.Account))
	num(uint64(s.Total))
	num(uint64(s.At.UnixNano()))
	var c Challenge
	h.Sum(c[:0])
	return c
}

// ParseChallenge reads a challenge written in hex.
func ParseChallenge(s string) (Challenge, error) {
	var c Challenge
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != ChallengeSize {
		return c, fmt.Errorf("%w: challenge is not %d bytes of hex", ErrMalformed, ChallengeSize)
	}
	copy(c[:], b)
	return c, nil
}

// Proof is a card's answer to a sale's challenge, as a record carries it.
type Proof struct {
	Challenge  string `json:"challenge"`  // hex, ChallengeSize bytes
	Counter    uint64 `json:"counter"`    // the card's transaction counter: strictly increasing per card
	Cryptogram string `json:"cryptogram"` // hex
}

// Errors of Verify and the parsers.
var (
	// ErrMalformed: the proof or a key is not well formed.
	ErrMalformed = errors.New("card proof malformed")
	// ErrOtherSale: the proof's challenge is not the one of the sale it
	// is attached to (another amount, terminal, sequence, card or time).
	ErrOtherSale = errors.New("card proof signs another sale")
	// ErrCryptogram: the cryptogram is not the card's over the challenge
	// and counter.
	ErrCryptogram = errors.New("card cryptogram does not verify")
)

// Verify checks that p is the card's proof for sale: its challenge is the
// sale's, and its cryptogram is what the card numbered sale.CardNo computes
// over the challenge and counter with its key derived from issuer. It says
// nothing of the counter's freshness, which needs the counters already used.
func Verify(s Scheme, issuer IssuerKey, sale Sale, p Proof) error {
	ch, err := ParseChallenge(p.Challenge)
	if err != nil {
		return err
	}
	if ch != ChallengeFor(sale) {
		return ErrOtherSale
	}
	got, err := hex.DecodeString(p.Cryptogram)
	if err != nil || len(got) == 0 || len(got) > maxCryptogram {
		return fmt.Errorf("%w: cryptogram is not hex of at most %d bytes", ErrMalformed, maxCryptogram)
	}
	card, err := NewCard(s, issuer, sale.CardNo)
	if err != nil {
		return err
	}
	if !s.Equal(card.Sign(ch, p.Counter), got) {
		return ErrCryptogram
	}
	return nil
}

// maxCryptogram bounds a cryptogram's size (any scheme's MAC fits).
const maxCryptogram = 64

// Card is a card that holds its own key: the card simulator and the demo
// are made of these; a real card keeps its key in its chip.
type Card struct {
	No     string
	key    []byte
	scheme Scheme
}

// NewCard derives the key of the card numbered no from the issuer key.
func NewCard(s Scheme, issuer IssuerKey, no string) (*Card, error) {
	if err := issuer.check(); err != nil {
		return nil, err
	}
	key, err := s.CardKey(issuer, no)
	if err != nil {
		return nil, fmt.Errorf("card %s: %w", no, err)
	}
	return &Card{No: no, key: key, scheme: s}, nil
}

// Sign is the card's cryptogram over the challenge and counter.
func (c *Card) Sign(ch Challenge, counter uint64) []byte {
	return c.scheme.Cryptogram(c.key, ch, counter)
}

// lookupDomain separates look-up challenges from charge challenges: a
// card's answer to one can never pass as an answer to the other.
const lookupDomain = "posagent card look-up challenge v1"

// MinNonce is the least size of a look-up nonce the centre issues.
const MinNonce = 16

// LookupChallenge is what a card signs to prove it is at the counter for
// an account look-up: the SHA-256 of a domain of its own, the centre's
// nonce, the terminal and the card number, each length-prefixed.
func LookupChallenge(nonce []byte, terminal, cardNo string) Challenge {
	h := sha256.New()
	var n [8]byte
	field := func(v []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(v)))
		h.Write(n[:])
		h.Write(v)
	}
	field([]byte(lookupDomain))
	field(nonce)
	field([]byte(terminal))
	field([]byte(cardNo))
	var c Challenge
	h.Sum(c[:0])
	return c
}

// VerifyLookup checks that cryptogram is what the card numbered cardNo
// computes, with its key derived from issuer, over the look-up challenge
// of (nonce, terminal, cardNo) and counter. Whether the nonce was issued,
// and is fresh and unused, is the caller's to know.
func VerifyLookup(s Scheme, issuer IssuerKey, nonce []byte, terminal, cardNo string, counter uint64, cryptogram []byte) error {
	if len(nonce) < MinNonce {
		return fmt.Errorf("%w: nonce shorter than %d bytes", ErrMalformed, MinNonce)
	}
	if len(cryptogram) == 0 || len(cryptogram) > maxCryptogram {
		return fmt.Errorf("%w: cryptogram is not hex of at most %d bytes", ErrMalformed, maxCryptogram)
	}
	card, err := NewCard(s, issuer, cardNo)
	if err != nil {
		return err
	}
	if !s.Equal(card.Sign(LookupChallenge(nonce, terminal, cardNo), counter), cryptogram) {
		return ErrCryptogram
	}
	return nil
}
