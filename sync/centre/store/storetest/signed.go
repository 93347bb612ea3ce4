package storetest

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

var signedTests = []test{
	{"VersionOrder", testSignedVersionOrder},
	{"Since", testSignedSince},
	{"RoundTripStillVerifies", testSignedRoundTripStillVerifies},
}

func signedDoc(kind string, v int64) wire.Signed {
	return wire.Signed{Kind: kind, Version: v, IssuedAt: t0, Payload: []byte{byte(v), 0, 1}, Signature: []byte("sig")}
}

func testSignedVersionOrder(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	if _, err := s.LatestSigned(ctx, wire.KindBundle); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("empty store: %v", err)
	}
	err := s.PutSigned(ctx, signedDoc(wire.KindBundle, 2))
	if err == nil || !strings.Contains(err.Error(), "version 2 does not follow the latest, 0") {
		t.Fatalf("version 2 first: %v", err)
	}
	for v := int64(1); v <= 3; v++ {
		if err := s.PutSigned(ctx, signedDoc(wire.KindBundle, v)); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []int64{3, 2, 5, 0, -1} {
		err := s.PutSigned(ctx, signedDoc(wire.KindBundle, v))
		if err == nil || !strings.Contains(err.Error(), "latest, 3") {
			t.Fatalf("version %d after 3: %v", v, err)
		}
	}
	if err := s.PutSigned(ctx, signedDoc(wire.KindBlocklist, 1)); err != nil {
		t.Fatalf("kinds count separately: %v", err)
	}
	latest, err := s.LatestSigned(ctx, wire.KindBundle)
	if err != nil || latest.Kind != wire.KindBundle || latest.Version != 3 || !bytes.Equal(latest.Payload, []byte{3, 0, 1}) ||
		string(latest.Signature) != "sig" || !latest.IssuedAt.Equal(t0) {
		t.Fatalf("latest %+v %v", latest, err)
	}
	if err := s.PutSigned(ctx, wire.Signed{Kind: "", Version: 1}); err == nil {
		t.Fatal("a document without a kind was stored")
	}
}

func testSignedSince(t *testing.T, open Opener) {
	s := open(t)
	for v := int64(1); v <= 4; v++ {
		if err := s.PutSigned(t.Context(), signedDoc(wire.KindBlocklist, v)); err != nil {
			t.Fatal(err)
		}
	}
	for after, want := range map[int64][]int64{-5: {1, 2, 3, 4}, 0: {1, 2, 3, 4}, 2: {3, 4}, 4: nil, 9: nil} {
		docs, err := s.SignedSince(t.Context(), wire.KindBlocklist, after)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, d := range docs {
			got = append(got, d.Version)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("since %d: got %v, want %v", after, got, want)
		}
	}
	if docs, err := s.SignedSince(t.Context(), wire.KindBundle, 0); err != nil || len(docs) != 0 {
		t.Fatalf("no bundles: %v %v", docs, err)
	}
}

// A stored bundle must still verify at the agents: its issue time to the
// nanosecond (Verify compares it with the content's) and its payload to
// the byte.
func testSignedRoundTripStillVerifies(t *testing.T, open Opener) {
	s := open(t)
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	catalogue := make([]byte, 1<<20) // incompressible: a megabyte of payload
	for i := range catalogue {
		catalogue[i] = 'a' + byte(rng.IntN(26))
	}
	issued := time.Date(2025, 3, 1, 1, 2, 3, 456789123, time.UTC)
	doc, err := wire.Sign(priv, wire.KindBundle, 1, issued, wire.BundleContent{
		Kind: wire.KindBundle, Version: 1, IssuedAt: issued, Catalogue: string(catalogue), Rules: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutSigned(t.Context(), doc); err != nil {
		t.Fatal(err)
	}
	latest, err := s.LatestSigned(t.Context(), wire.KindBundle)
	if err != nil {
		t.Fatal(err)
	}
	since, err := s.SignedSince(t.Context(), wire.KindBundle, 0)
	if err != nil || len(since) != 1 {
		t.Fatalf("since: %d docs, %v", len(since), err)
	}
	for _, got := range []wire.Signed{latest, since[0]} {
		if !got.IssuedAt.Equal(issued) {
			t.Fatalf("issued %v, stored %v", got.IssuedAt, issued)
		}
		if _, err := wire.Verify(pub, got); err != nil {
			t.Fatalf("stored bundle no longer verifies: %v", err)
		}
	}
}
