package centre

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"posagent/policy"
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

// bundles keeps every published bundle parsed, by version, for re-judging
// synced records against the version they name (SPEC §9). Versions are
// loaded once, on the first apply that finds a newer latest version than
// it holds; the store is never asked from inside its own transaction.
type bundles struct {
	mu     sync.RWMutex
	byVer  map[int64]*policy.Bundle
	loaded int64 // every version up to this one is in byVer (or failed to open)
}

// judging is what the store needs to re-judge the records of one batch
// received at start. Without a signing key the centre cannot open its
// bundles and the rules are not run (only each record's own checks).
func (c *Centre) judging(ctx context.Context, received time.Time) (store.Judging, error) {
	j := store.Judging{ReceivedAt: received, Zone: c.cfg.Location, HistoryDays: c.cfg.HistoryDays, IssuerKey: c.cfg.IssuerKey}
	if c.cfg.SigningKey == nil || c.cfg.RecordChecksOnly {
		return j, nil
	}
	if err := c.loadBundles(ctx); err != nil {
		return j, err
	}
	j.Bundle = c.bundleAt
	return j, nil
}

// bundleAt returns the published bundle of a version, nil when none.
func (c *Centre) bundleAt(version int64) *policy.Bundle {
	c.parsed.mu.RLock()
	defer c.parsed.mu.RUnlock()
	return c.parsed.byVer[version]
}

// loadBundles parses the published versions not yet held.
func (c *Centre) loadBundles(ctx context.Context) error {
	latest, err := c.LatestVersion(ctx, wire.KindBundle)
	if err != nil {
		return err
	}
	c.parsed.mu.RLock()
	done := c.parsed.loaded >= latest
	c.parsed.mu.RUnlock()
	if done {
		return nil
	}
	c.parsed.mu.Lock()
	defer c.parsed.mu.Unlock()
	if c.parsed.loaded >= latest {
		return nil
	}
	docs, err := c.st.SignedSince(ctx, wire.KindBundle, c.parsed.loaded)
	if err != nil {
		return fmt.Errorf("load bundles after %d: %w", c.parsed.loaded, err)
	}
	if c.parsed.byVer == nil {
		c.parsed.byVer = map[int64]*policy.Bundle{}
	}
	pub := c.cfg.SigningKey.Public().(ed25519.PublicKey)
	for _, d := range docs {
		b, err := wire.OpenBundle(pub, d)
		if err != nil {
			// Signed by another key (the centre's key was replaced):
			// records naming it are judged as of an unknown version.
			c.log.Warn("a stored bundle does not open with this centre's key", "version", d.Version, "err", err)
		} else {
			c.parsed.byVer[d.Version] = b
		}
		c.parsed.loaded = max(c.parsed.loaded, d.Version)
	}
	return nil
}
