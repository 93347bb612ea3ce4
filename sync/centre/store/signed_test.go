package store

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"posagent/sync/wire"
)

func signedDoc(kind string, v int64) wire.Signed {
	return wire.Signed{Kind: kind, Version: v, IssuedAt: t0, Payload: []byte{byte(v), 0, 1}, Signature: []byte("sig")}
}

func TestPutSignedVersionOrder(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.LatestSigned(ctx, wire.KindBundle); !errors.Is(err, ErrNotFound) {
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
	// Kinds count separately.
	if err := s.PutSigned(ctx, signedDoc(wire.KindBlocklist, 1)); err != nil {
		t.Fatal(err)
	}
	latest, err := s.LatestSigned(ctx, wire.KindBundle)
	if err != nil || latest.Version != 3 || latest.Payload[0] != 3 || string(latest.Signature) != "sig" || !latest.IssuedAt.Equal(t0) {
		t.Fatalf("latest %+v %v", latest, err)
	}
}

func TestSignedSince(t *testing.T) {
	s, _ := openTest(t)
	for v := int64(1); v <= 4; v++ {
		if err := s.PutSigned(ctx, signedDoc(wire.KindBlocklist, v)); err != nil {
			t.Fatal(err)
		}
	}
	for after, want := range map[int64][]int64{-5: {1, 2, 3, 4}, 0: {1, 2, 3, 4}, 2: {3, 4}, 4: nil, 9: nil} {
		docs, err := s.SignedSince(ctx, wire.KindBlocklist, after)
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
	if docs, err := s.SignedSince(ctx, wire.KindBundle, 0); err != nil || len(docs) != 0 {
		t.Fatalf("no bundles: %v %v", docs, err)
	}
}
