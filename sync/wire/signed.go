package wire

import (
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"posagent/policy"
)

// Kinds of signed documents.
const (
	KindBundle    = "bundle"
	KindBlocklist = "blocklist"
)

// maxPayload bounds a signed payload once decompressed (a 100,000-item
// catalogue is about 15 MiB of CSV).
const maxPayload = 256 << 20

// Signed is a document the centre signed: a rule bundle or a blocklist
// delta. Payload is the gzip-compressed JSON content (BundleContent or
// BlocklistDelta); Signature is ed25519 over Payload. Kind, Version and
// IssuedAt repeat the content's own fields for display; Verify checks that
// they agree.
type Signed struct {
	Kind      string    `json:"kind"`
	Version   int64     `json:"version"`
	IssuedAt  time.Time `json:"issued_at"`
	Payload   []byte    `json:"payload"`
	Signature []byte    `json:"signature"`
}

// BundleContent is what a rule bundle carries: the catalogue CSV and the
// rules JSON exactly as the administrator wrote them.
type BundleContent struct {
	Kind      string          `json:"kind"`
	Version   int64           `json:"version"`
	IssuedAt  time.Time       `json:"issued_at"`
	Catalogue string          `json:"catalogue_csv"`
	Rules     json.RawMessage `json:"rules"`
}

// BlocklistDelta adds and removes blocked card numbers. Deltas apply in
// version order; Version is the blocklist version after applying it.
type BlocklistDelta struct {
	Kind     string    `json:"kind"`
	Version  int64     `json:"version"`
	IssuedAt time.Time `json:"issued_at"`
	Add      []string  `json:"add,omitempty"`
	Remove   []string  `json:"remove,omitempty"`
}

// Errors from Verify.
var (
	ErrUnsigned     = errors.New("document is not signed")
	ErrBadSignature = errors.New("signature does not verify against the centre key")
)

// Sign compresses and signs content (a BundleContent or a BlocklistDelta).
func Sign(priv ed25519.PrivateKey, kind string, version int64, issuedAt time.Time, content any) (Signed, error) {
	raw, err := json.Marshal(content)
	if err != nil {
		return Signed{}, fmt.Errorf("sign %s %d: encode: %w", kind, version, err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		return Signed{}, fmt.Errorf("sign %s %d: compress: %w", kind, version, err)
	}
	if err := zw.Close(); err != nil {
		return Signed{}, fmt.Errorf("sign %s %d: compress: %w", kind, version, err)
	}
	payload := buf.Bytes()
	return Signed{
		Kind: kind, Version: version, IssuedAt: issuedAt.UTC(),
		Payload: payload, Signature: ed25519.Sign(priv, payload),
	}, nil
}

// Verify checks the signature and returns the decompressed content JSON,
// after checking that its kind, version and issue time match the envelope.
func Verify(pub ed25519.PublicKey, s Signed) ([]byte, error) {
	if len(s.Signature) == 0 {
		return nil, fmt.Errorf("%s %d: %w", s.Kind, s.Version, ErrUnsigned)
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, s.Payload, s.Signature) {
		return nil, fmt.Errorf("%s %d: %w", s.Kind, s.Version, ErrBadSignature)
	}
	zr, err := gzip.NewReader(bytes.NewReader(s.Payload))
	if err != nil {
		return nil, fmt.Errorf("%s %d: decompress: %w", s.Kind, s.Version, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxPayload+1))
	if err != nil {
		return nil, fmt.Errorf("%s %d: decompress: %w", s.Kind, s.Version, err)
	}
	if len(raw) > maxPayload {
		return nil, fmt.Errorf("%s %d: content larger than %d bytes", s.Kind, s.Version, maxPayload)
	}
	var head struct {
		Kind     string    `json:"kind"`
		Version  int64     `json:"version"`
		IssuedAt time.Time `json:"issued_at"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("%s %d: decode content: %w", s.Kind, s.Version, err)
	}
	if head.Kind != s.Kind || head.Version != s.Version || !head.IssuedAt.Equal(s.IssuedAt) {
		return nil, fmt.Errorf("%s %d: envelope says %s %d, content says %s %d",
			s.Kind, s.Version, s.Kind, s.Version, head.Kind, head.Version)
	}
	return raw, nil
}

// OpenBundle verifies a signed rule bundle and parses it into a policy
// bundle. Nothing is returned unless the signature, the catalogue and the
// rules are all good.
func OpenBundle(pub ed25519.PublicKey, s Signed) (*policy.Bundle, error) {
	if s.Kind != KindBundle {
		return nil, fmt.Errorf("open bundle: document is a %q", s.Kind)
	}
	raw, err := Verify(pub, s)
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	var c BundleContent
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("open bundle %d: %w", s.Version, err)
	}
	cat, err := policy.ParseCatalogue(strings.NewReader(c.Catalogue))
	if err != nil {
		return nil, fmt.Errorf("open bundle %d: %w", s.Version, err)
	}
	rules, err := policy.ParseRules(c.Rules)
	if err != nil {
		return nil, fmt.Errorf("open bundle %d: %w", s.Version, err)
	}
	return &policy.Bundle{Version: c.Version, IssuedAt: c.IssuedAt, Catalogue: cat, Rules: rules}, nil
}

// OpenBlocklist verifies a signed blocklist delta.
func OpenBlocklist(pub ed25519.PublicKey, s Signed) (BlocklistDelta, error) {
	if s.Kind != KindBlocklist {
		return BlocklistDelta{}, fmt.Errorf("open blocklist: document is a %q", s.Kind)
	}
	raw, err := Verify(pub, s)
	if err != nil {
		return BlocklistDelta{}, fmt.Errorf("open blocklist: %w", err)
	}
	var d BlocklistDelta
	if err := json.Unmarshal(raw, &d); err != nil {
		return BlocklistDelta{}, fmt.Errorf("open blocklist %d: %w", s.Version, err)
	}
	return d, nil
}

// WritePublicKey writes an ed25519 public key as a PEM "PUBLIC KEY" file.
func WritePublicKey(path string, pub ed25519.PublicKey) error {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("encode public key: %w", err)
	}
	return writePEM(path, "PUBLIC KEY", der, 0o644)
}

// WritePrivateKey writes an ed25519 private key as a PEM "PRIVATE KEY" file
// readable only by its owner.
func WritePrivateKey(path string, priv ed25519.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("encode private key: %w", err)
	}
	return writePEM(path, "PRIVATE KEY", der, 0o600)
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ReadPublicKey reads a PEM public key file written by WritePublicKey.
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	der, err := readPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("read %s: not an ed25519 key", path)
	}
	return pub, nil
}

// ReadPrivateKey reads a PEM private key file written by WritePrivateKey.
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	der, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("read %s: not an ed25519 key", path)
	}
	return priv, nil
}

func readPEM(path, typ string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != typ {
		return nil, fmt.Errorf("read %s: no PEM %q block", path, typ)
	}
	return b.Bytes, nil
}
