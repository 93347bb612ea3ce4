package cardproof

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
	"time"
)

func testKey(t testing.TB, b byte) IssuerKey {
	t.Helper()
	return IssuerKey(bytes.Repeat([]byte{b}, IssuerKeySize))
}

var sale = Sale{Terminal: "T001", Seq: 42, CardNo: "A12345678", Account: 1000, Total: 1200,
	At: time.Date(2026, 12, 5, 10, 30, 0, 123, time.UTC)}

// prove is what an honest card answers for s.
func prove(t testing.TB, issuer IssuerKey, s Sale, counter uint64) Proof {
	t.Helper()
	c, err := NewCard(Default, issuer, s.CardNo)
	if err != nil {
		t.Fatal(err)
	}
	ch := ChallengeFor(s)
	return Proof{Challenge: ch.String(), Counter: counter, Cryptogram: hex.EncodeToString(c.Sign(ch, counter))}
}

func TestHonestProofVerifies(t *testing.T) {
	k := testKey(t, 7)
	if err := Verify(Default, k, sale, prove(t, k, sale, 9)); err != nil {
		t.Fatalf("honest proof: %v", err)
	}
}

// A pharmacy that moves a proof to another sale, or keeps the challenge
// and edits the sale, is caught: every field of the sale is covered.
func TestProofForAnotherSaleIsRefused(t *testing.T) {
	k := testKey(t, 7)
	p := prove(t, k, sale, 9)
	edits := map[string]func(*Sale){
		"terminal": func(s *Sale) { s.Terminal = "T002" },
		"seq":      func(s *Sale) { s.Seq++ },
		"card":     func(s *Sale) { s.CardNo = "A12345679" },
		"account":  func(s *Sale) { s.Account++ },
		"total":    func(s *Sale) { s.Total++ },
		"time":     func(s *Sale) { s.At = s.At.Add(time.Nanosecond) },
		"shifted":  func(s *Sale) { s.Terminal, s.CardNo = "T001A", "12345678" },
	}
	for name, edit := range edits {
		other := sale
		edit(&other)
		if err := Verify(Default, k, other, p); !errors.Is(err, ErrOtherSale) {
			t.Errorf("%s changed: %v, want ErrOtherSale", name, err)
		}
	}
	// The same instant in another zone is the same sale.
	local := sale
	local.At = sale.At.In(time.FixedZone("CST", 8*3600))
	if err := Verify(Default, k, local, p); err != nil {
		t.Errorf("same instant in +08:00: %v", err)
	}
}

// A cryptogram made without the card's key — another counter, another
// issuer, another card's key, or bytes made up — does not verify.
func TestForgedCryptogramIsRefused(t *testing.T) {
	k := testKey(t, 7)
	p := prove(t, k, sale, 9)
	p.Counter = 10
	if err := Verify(Default, k, sale, p); !errors.Is(err, ErrCryptogram) {
		t.Errorf("counter changed: %v", err)
	}
	if err := Verify(Default, k, sale, prove(t, testKey(t, 8), sale, 9)); !errors.Is(err, ErrCryptogram) {
		t.Errorf("other issuer: %v", err)
	}
	other := sale
	other.CardNo = "B00000001"
	forged := prove(t, k, other, 9)
	forged.Challenge = ChallengeFor(sale).String()
	if err := Verify(Default, k, sale, forged); !errors.Is(err, ErrCryptogram) {
		t.Errorf("another card's key: %v", err)
	}
	p = prove(t, k, sale, 9)
	b, _ := hex.DecodeString(p.Cryptogram)
	b[0] ^= 1
	p.Cryptogram = hex.EncodeToString(b)
	if err := Verify(Default, k, sale, p); !errors.Is(err, ErrCryptogram) {
		t.Errorf("one bit flipped: %v", err)
	}
	for _, bad := range []string{"", "zz", hex.EncodeToString(make([]byte, 65))} {
		p.Cryptogram = bad
		if err := Verify(Default, k, sale, p); !errors.Is(err, ErrMalformed) {
			t.Errorf("cryptogram %q: %v, want ErrMalformed", bad, err)
		}
	}
}

func TestCardKeysDiffer(t *testing.T) {
	k := testKey(t, 7)
	a, _ := Default.CardKey(k, "A12345678")
	b, _ := Default.CardKey(k, "A12345679")
	c, _ := Default.CardKey(testKey(t, 8), "A12345678")
	if bytes.Equal(a, b) || bytes.Equal(a, c) || len(a) != 32 {
		t.Fatalf("card keys: %x %x %x", a, b, c)
	}
	if _, err := NewCard(Default, k, ""); err == nil {
		t.Error("a card without a number got a key")
	}
	if _, err := NewCard(Default, k[:16], "A12345678"); !errors.Is(err, ErrMalformed) {
		t.Errorf("short issuer key: %v", err)
	}
}

func TestIssuerKeyFile(t *testing.T) {
	k, err := NewIssuerKey()
	if err != nil {
		t.Fatal(err)
	}
	text, err := k.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseIssuerKey(append([]byte("  "), text...))
	if err != nil || !bytes.Equal(back, k) {
		t.Fatalf("round trip: %x, %v", back, err)
	}
	for _, bad := range []string{"", "00", "zz" + string(text[2:]), string(text) + "00"} {
		if _, err := ParseIssuerKey([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("key file %q: %v, want ErrMalformed", bad, err)
		}
	}
}

// FuzzVerify: whatever a terminal puts in a proof, Verify answers with an
// error or, only for the card's own cryptogram, nil; it never panics.
func FuzzVerify(f *testing.F) {
	k := testKey(f, 7)
	p := prove(f, k, sale, 9)
	f.Add(p.Challenge, p.Counter, p.Cryptogram)
	f.Add("", uint64(0), "")
	f.Add(p.Challenge, uint64(1<<63), "00")
	f.Fuzz(func(t *testing.T, ch string, counter uint64, crypto string) {
		err := Verify(Default, k, sale, Proof{Challenge: ch, Counter: counter, Cryptogram: crypto})
		parsed, _ := ParseChallenge(ch)
		if err == nil && (parsed != ChallengeFor(sale) || counter != p.Counter) {
			t.Fatalf("forged proof %q/%d/%q verified", ch, counter, crypto)
		}
	})
}

// A look-up proof verifies for its nonce, terminal and card only, and
// neither a charge proof nor a look-up proof passes as the other.
func TestLookupProof(t *testing.T) {
	k := testKey(t, 7)
	nonce := bytes.Repeat([]byte{1}, MinNonce)
	c, err := NewCard(Default, k, "A12345678")
	if err != nil {
		t.Fatal(err)
	}
	crypt := c.Sign(LookupChallenge(nonce, "T001", "A12345678"), 5)
	if err := VerifyLookup(Default, k, nonce, "T001", "A12345678", 5, crypt); err != nil {
		t.Fatalf("honest look-up proof: %v", err)
	}
	other := bytes.Repeat([]byte{2}, MinNonce)
	for name, err := range map[string]error{
		"other nonce":    VerifyLookup(Default, k, other, "T001", "A12345678", 5, crypt),
		"other terminal": VerifyLookup(Default, k, nonce, "T002", "A12345678", 5, crypt),
		"other card":     VerifyLookup(Default, k, nonce, "T001", "A12345679", 5, crypt),
		"other counter":  VerifyLookup(Default, k, nonce, "T001", "A12345678", 6, crypt),
		"other issuer":   VerifyLookup(Default, testKey(t, 8), nonce, "T001", "A12345678", 5, crypt),
	} {
		if !errors.Is(err, ErrCryptogram) {
			t.Errorf("%s: %v, want ErrCryptogram", name, err)
		}
	}
	if err := VerifyLookup(Default, k, nonce[:MinNonce-1], "T001", "A12345678", 5, crypt); !errors.Is(err, ErrMalformed) {
		t.Errorf("short nonce: %v, want ErrMalformed", err)
	}
	// A charge proof's cryptogram is over the sale's challenge: as a
	// look-up proof it fails, and a look-up's cryptogram fails as a
	// charge proof.
	charge := prove(t, k, sale, 9)
	cg, _ := hex.DecodeString(charge.Cryptogram)
	if err := VerifyLookup(Default, k, nonce, sale.Terminal, sale.CardNo, 9, cg); !errors.Is(err, ErrCryptogram) {
		t.Errorf("charge proof as look-up proof: %v", err)
	}
	lc := c.Sign(LookupChallenge(nonce, sale.Terminal, sale.CardNo), 9)
	p := Proof{Challenge: ChallengeFor(sale).String(), Counter: 9, Cryptogram: hex.EncodeToString(lc)}
	if err := Verify(Default, k, sale, p); !errors.Is(err, ErrCryptogram) {
		t.Errorf("look-up proof as charge proof: %v", err)
	}
}
