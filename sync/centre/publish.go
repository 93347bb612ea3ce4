package centre

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// Publish checks a catalogue CSV and a rules JSON with the same parsers
// the agents use, signs them as the next bundle version, stores it and
// offers it to every connected agent. A bad file is refused (ErrInvalid,
// with the parser's error) before anything is signed. Publishes are one
// at a time, so versions are latest+1 without gaps or repeats.
func (c *Centre) Publish(ctx context.Context, catalogueCSV, rulesJSON []byte) (wire.Signed, error) {
	c.publishMu.Lock()
	defer c.publishMu.Unlock()
	doc, err := c.publish(ctx, catalogueCSV, rulesJSON)
	if err != nil {
		return doc, err
	}
	if _, err := c.cacheBundle(doc); err != nil {
		c.log.Error("cache new bundle", "version", doc.Version, "err", err)
		c.bundle.Store(nil) // reload from the store on next use
	}
	c.log.Info("bundle published", "version", doc.Version)
	c.Audit(ctx, store.AuditPublish, fmt.Sprintf("bundle %d", doc.Version), "")
	c.cfg.Observer.Published(wire.KindBundle)
	c.notify().SignedStored()
	return doc, nil
}

// publish checks, signs and stores the next bundle; publishMu is held.
func (c *Centre) publish(ctx context.Context, catalogueCSV, rulesJSON []byte) (wire.Signed, error) {
	priv := c.cfg.SigningKey
	if priv == nil {
		return wire.Signed{}, fmt.Errorf("publish: %w", ErrNoSigningKey)
	}
	if !utf8.Valid(catalogueCSV) {
		return wire.Signed{}, invalidf("publish: catalogue is not UTF-8")
	}
	if _, err := policy.ParseCatalogue(bytes.NewReader(catalogueCSV)); err != nil {
		return wire.Signed{}, invalidf("publish: catalogue: %w", err)
	}
	if _, err := policy.ParseRules(rulesJSON); err != nil {
		return wire.Signed{}, invalidf("publish: rules: %w", err)
	}
	if !json.Valid(rulesJSON) { // a parser that accepted it must not make us sign garbage
		return wire.Signed{}, invalidf("publish: rules: not JSON")
	}
	latest, err := c.storedVersion(ctx, wire.KindBundle)
	if err != nil {
		return wire.Signed{}, fmt.Errorf("publish: %w", err)
	}
	v, at := latest+1, c.Now().UTC()
	content := wire.BundleContent{Kind: wire.KindBundle, Version: v, IssuedAt: at,
		Catalogue: string(catalogueCSV), Rules: json.RawMessage(rulesJSON)}
	doc, err := wire.Sign(priv, wire.KindBundle, v, at, content)
	if err != nil {
		return wire.Signed{}, fmt.Errorf("publish: %w", err)
	}
	if err := c.st.PutSigned(ctx, doc); err != nil {
		return wire.Signed{}, fmt.Errorf("publish: store bundle %d: %w", v, err)
	}
	return doc, nil
}

// BlockCards signs and stores the next blocklist delta (add and remove
// card numbers), sets the Blocked mark of the accounts it names and offers
// the delta to every connected agent. The ledger is held still meanwhile,
// so no charge applied at the same time is lost.
func (c *Centre) BlockCards(ctx context.Context, add, remove []string) (wire.Signed, error) {
	c.publishMu.Lock()
	defer c.publishMu.Unlock()
	c.ledgerMu.Lock()
	doc, err := c.blockCards(ctx, add, remove)
	c.ledgerMu.Unlock()
	if doc.Version > 0 { // stored, even if marking an account failed
		c.log.Info("blocklist published", "version", doc.Version, "add", len(add), "remove", len(remove))
		c.auditBlock(ctx, doc.Version, add, remove)
		c.cfg.Observer.Published(wire.KindBlocklist)
		c.notify().SignedStored()
	}
	return doc, err
}

// auditBlock records a published blocklist delta: a block event for the
// cards it adds and an unblock event for those it removes.
func (c *Centre) auditBlock(ctx context.Context, version int64, add, remove []string) {
	subject := fmt.Sprintf("blocklist %d", version)
	if add = sortedSet(add); len(add) > 0 {
		c.Audit(ctx, store.AuditBlock, subject, strings.Join(add, " "))
	}
	if remove = sortedSet(remove); len(remove) > 0 {
		c.Audit(ctx, store.AuditUnblock, subject, strings.Join(remove, " "))
	}
}

// blockCards stores the delta and the marks; both locks are held.
func (c *Centre) blockCards(ctx context.Context, add, remove []string) (wire.Signed, error) {
	priv := c.cfg.SigningKey
	if priv == nil {
		return wire.Signed{}, fmt.Errorf("block cards: %w", ErrNoSigningKey)
	}
	add, remove, err := checkBlockLists(add, remove)
	if err != nil {
		return wire.Signed{}, err
	}
	latest, err := c.storedVersion(ctx, wire.KindBlocklist)
	if err != nil {
		return wire.Signed{}, fmt.Errorf("block cards: %w", err)
	}
	v, at := latest+1, c.Now().UTC()
	delta := wire.BlocklistDelta{Kind: wire.KindBlocklist, Version: v, IssuedAt: at, Add: add, Remove: remove}
	doc, err := wire.Sign(priv, wire.KindBlocklist, v, at, delta)
	if err != nil {
		return wire.Signed{}, fmt.Errorf("block cards: %w", err)
	}
	if err := c.st.PutSigned(ctx, doc); err != nil {
		return wire.Signed{}, fmt.Errorf("block cards: store blocklist %d: %w", v, err)
	}
	if err := c.markBlocked(ctx, add, true); err != nil {
		return doc, err
	}
	return doc, c.markBlocked(ctx, remove, false)
}

// checkBlockLists validates and de-duplicates the card lists.
func checkBlockLists(add, remove []string) ([]string, []string, error) {
	if len(add) == 0 && len(remove) == 0 {
		return nil, nil, invalidf("block cards: no card given")
	}
	for _, c := range slices.Concat(add, remove) {
		if err := CheckCardNo(c); err != nil {
			return nil, nil, invalidf("block cards: card %q: %w", c, err)
		}
	}
	add, remove = sortedSet(add), sortedSet(remove)
	for _, c := range add {
		if _, both := slices.BinarySearch(remove, c); both {
			return nil, nil, invalidf("block cards: card %q both blocked and unblocked", c)
		}
	}
	return add, remove, nil
}

func sortedSet(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// markBlocked sets the Blocked mark of the stored accounts among cards.
func (c *Centre) markBlocked(ctx context.Context, cards []string, blocked bool) error {
	if len(cards) == 0 {
		return nil
	}
	if err := c.st.SetBlocked(ctx, cards, blocked); err != nil {
		return fmt.Errorf("block cards: mark %d accounts: %w", len(cards), err)
	}
	return nil
}
