package centre

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

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
	j := store.Judging{ReceivedAt: received, Zone: c.cfg.Location, HistoryDays: c.cfg.HistoryDays}
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
