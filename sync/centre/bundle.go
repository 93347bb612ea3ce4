package centre

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// LatestBundle returns the latest bundle as a ready message, or nil when
// none was ever published. It is loaded once and kept current by Publish.
func (c *Centre) LatestBundle(ctx context.Context) (*Bundle, error) {
	if b := c.bundle.Load(); b != nil {
		return b, nil
	}
	doc, err := c.st.LatestSigned(ctx, wire.KindBundle)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest bundle: %w", err)
	}
	return c.cacheBundle(doc)
}

// cacheBundle encodes doc and keeps it unless a newer one is cached.
func (c *Centre) cacheBundle(doc wire.Signed) (*Bundle, error) {
	data, err := json.Marshal(wire.Message{Type: wire.TypeBundle, Signed: &doc})
	if err != nil {
		return nil, fmt.Errorf("encode bundle %d: %w", doc.Version, err)
	}
	b := &Bundle{Version: doc.Version, Message: data}
	for {
		old := c.bundle.Load()
		if old != nil && old.Version >= b.Version {
			return old, nil
		}
		if c.bundle.CompareAndSwap(old, b) {
			return b, nil
		}
	}
}

// LatestVersion is the newest version of a kind of signed document
// (wire.KindBundle, wire.KindBlocklist), 0 when there is none.
func (c *Centre) LatestVersion(ctx context.Context, kind string) (int64, error) {
	if kind == wire.KindBundle {
		b, err := c.LatestBundle(ctx)
		if b == nil || err != nil {
			return 0, err
		}
		return b.Version, nil
	}
	return c.storedVersion(ctx, kind)
}

// storedVersion is the newest stored version of a kind, 0 when none.
func (c *Centre) storedVersion(ctx context.Context, kind string) (int64, error) {
	doc, err := c.st.LatestSigned(ctx, kind)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("latest %s: %w", kind, err)
	}
	return doc.Version, nil
}

// SignedSince returns the documents of a kind with a version after after,
// oldest first.
func (c *Centre) SignedSince(ctx context.Context, kind string, after int64) ([]wire.Signed, error) {
	return c.st.SignedSince(ctx, kind, after)
}
