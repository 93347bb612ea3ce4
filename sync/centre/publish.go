package centre

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// Publish checks a catalogue CSV and a rules JSON with the same parsers
// the agents use, signs them as the next bundle version and stores it. A
// bad file is refused (ErrInvalid, with the parser's error) before
// anything is signed. Versions are latest+1, so callers must not publish
// concurrently on one store (a running Server sees to it).
func Publish(ctx context.Context, st store.Store, priv ed25519.PrivateKey, catalogueCSV, rulesJSON []byte, now time.Time) (wire.Signed, error) {
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
	latest, err := latestVersion(ctx, st, wire.KindBundle)
	if err != nil {
		return wire.Signed{}, fmt.Errorf("publish: %w", err)
	}
	v, at := latest+1, now.UTC()
	content := wire.BundleContent{Kind: wire.KindBundle, Version: v, IssuedAt: at,
		Catalogue: string(catalogueCSV), Rules: json.RawMessage(rulesJSON)}
	doc, err := wire.Sign(priv, wire.KindBundle, v, at, content)
	if err != nil {
		return wire.Signed{}, fmt.Errorf("publish: %w", err)
	}
	if err := st.PutSigned(ctx, doc); err != nil {
		return wire.Signed{}, fmt.Errorf("publish: store bundle %d: %w", v, err)
	}
	return doc, nil
}

// BlockCards signs and stores the next blocklist delta (add and remove
// card numbers) and sets the Blocked mark of the accounts it names. It
// must not run concurrently with Apply or another publish on the same
// store (a running Server sees to it).
func BlockCards(ctx context.Context, st store.Store, priv ed25519.PrivateKey, add, remove []string, now time.Time) (wire.Signed, error) {
	if priv == nil {
		return wire.Signed{}, fmt.Errorf("block cards: %w", ErrNoSigningKey)
	}
	add, remove, err := checkBlockLists(add, remove)
	if err != nil {
		return wire.Signed{}, err
	}
	latest, err := latestVersion(ctx, st, wire.KindBlocklist)
	if err != nil {
		return wire.Signed{}, fmt.Errorf("block cards: %w", err)
	}
	v, at := latest+1, now.UTC()
	delta := wire.BlocklistDelta{Kind: wire.KindBlocklist, Version: v, IssuedAt: at, Add: add, Remove: remove}
	doc, err := wire.Sign(priv, wire.KindBlocklist, v, at, delta)
	if err != nil {
		return wire.Signed{}, fmt.Errorf("block cards: %w", err)
	}
	if err := st.PutSigned(ctx, doc); err != nil {
		return wire.Signed{}, fmt.Errorf("block cards: store blocklist %d: %w", v, err)
	}
	if err := markBlocked(ctx, st, add, true); err != nil {
		return doc, err
	}
	return doc, markBlocked(ctx, st, remove, false)
}

// checkBlockLists validates and de-duplicates the card lists.
func checkBlockLists(add, remove []string) ([]string, []string, error) {
	if len(add) == 0 && len(remove) == 0 {
		return nil, nil, invalidf("block cards: no card given")
	}
	for _, c := range slices.Concat(add, remove) {
		if err := checkCardNo(c); err != nil {
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
func markBlocked(ctx context.Context, st store.Store, cards []string, blocked bool) error {
	if len(cards) == 0 {
		return nil
	}
	if err := st.SetBlocked(ctx, cards, blocked); err != nil {
		return fmt.Errorf("block cards: mark %d accounts: %w", len(cards), err)
	}
	return nil
}
