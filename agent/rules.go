package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	gosync "sync"

	"posagent/agent/journal"
	"posagent/policy"
	"posagent/sync/wire"
)

// Keys of the journal's state area that the agent uses.
const (
	stateBundle      = "bundle"    // the active signed bundle (wire.Signed JSON)
	stateBlocklist   = "blocklist" // blocklistState JSON
	stateLastContact = "last_contact"
	stateAccountPfx  = "account/" // + card_no: last known wire.AccountInfo
)

// blocklist is the set of blocked cards, built from signed deltas.
type blocklist struct {
	mu      gosync.RWMutex
	version int64
	cards   map[string]bool
}

type blocklistState struct {
	Version int64    `json:"version"`
	Cards   []string `json:"cards"`
}

func (b *blocklist) has(card string) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.cards[card]
}

func (b *blocklist) currentVersion() int64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.version
}

// restoreRules loads the persisted bundle and blocklist, verifying the
// bundle again: a file edited on disk is not trusted.
func (a *Agent) restoreRules() error {
	raw, err := a.j.State(stateBundle)
	switch {
	case errors.Is(err, journal.ErrNotFound):
	case err != nil:
		return fmt.Errorf("agent: restore bundle: %w", err)
	default:
		var s wire.Signed
		if err := json.Unmarshal(raw, &s); err != nil {
			a.log.Error("stored bundle unreadable; waiting for the centre", "err", err)
			break
		}
		b, err := wire.OpenBundle(a.cfg.CentreKey, s)
		if err != nil {
			a.log.Error("stored bundle does not verify; waiting for the centre", "err", err)
			break
		}
		a.bundle.Store(b)
	}
	raw, err = a.j.State(stateBlocklist)
	switch {
	case errors.Is(err, journal.ErrNotFound):
		a.blocks.cards = map[string]bool{}
	case err != nil:
		return fmt.Errorf("agent: restore blocklist: %w", err)
	default:
		var st blocklistState
		if err := json.Unmarshal(raw, &st); err != nil {
			return fmt.Errorf("agent: restore blocklist: %w", err)
		}
		a.blocks.version = st.Version
		a.blocks.cards = make(map[string]bool, len(st.Cards))
		for _, c := range st.Cards {
			a.blocks.cards[c] = true
		}
	}
	return nil
}

// Bundle returns the active bundle, or nil before the first one.
func (a *Agent) Bundle() *policy.Bundle { return a.bundle.Load() }

// Versions reports the active rule bundle and blocklist versions.
func (a *Agent) Versions() (rules, blocklist int64) {
	if b := a.bundle.Load(); b != nil {
		rules = b.Version
	}
	return rules, a.blocks.currentVersion()
}

// OfferSigned verifies a signed bundle or blocklist delta from the centre
// and, if it is good and newer, persists and activates it. A refused
// document leaves the active one in force; the reason is returned and kept
// for the status.
func (a *Agent) OfferSigned(s wire.Signed) (int64, error) {
	switch s.Kind {
	case wire.KindBundle:
		active, err := a.offerBundle(s)
		if err != nil {
			msg := err.Error()
			a.bundleErr.Store(&msg)
			a.log.Error("rule bundle refused", "version", s.Version, "err", err)
		}
		return active, err
	case wire.KindBlocklist:
		return a.offerBlocklist(s)
	default:
		return 0, fmt.Errorf("unknown signed document kind %q", s.Kind)
	}
}

func (a *Agent) offerBundle(s wire.Signed) (int64, error) {
	cur := a.bundle.Load()
	var active int64
	if cur != nil {
		active = cur.Version
	}
	if s.Version <= active {
		return active, fmt.Errorf("bundle %d refused: not newer than active bundle %d", s.Version, active)
	}
	b, err := wire.OpenBundle(a.cfg.CentreKey, s)
	if err != nil {
		return active, fmt.Errorf("bundle %d refused: %w", s.Version, err)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return active, fmt.Errorf("bundle %d: %w", s.Version, err)
	}
	if err := a.j.PutState(stateBundle, raw); err != nil {
		return active, fmt.Errorf("bundle %d not persisted: %w", s.Version, err)
	}
	// One pointer swap: a quote sees the old bundle or the new, never a mix.
	a.bundle.Store(b)
	a.bundleErr.Store(nil)
	a.log.Info("rule bundle active", "version", b.Version, "issued_at", b.IssuedAt, "items", b.Catalogue.Len())
	return b.Version, nil
}

func (a *Agent) offerBlocklist(s wire.Signed) (int64, error) {
	a.blocks.mu.Lock()
	defer a.blocks.mu.Unlock()
	if s.Version != a.blocks.version+1 {
		return a.blocks.version, fmt.Errorf("blocklist delta %d refused: active version is %d, deltas apply in order", s.Version, a.blocks.version)
	}
	d, err := wire.OpenBlocklist(a.cfg.CentreKey, s)
	if err != nil {
		return a.blocks.version, fmt.Errorf("blocklist delta %d refused: %w", s.Version, err)
	}
	next := make(map[string]bool, len(a.blocks.cards)+len(d.Add))
	for c := range a.blocks.cards {
		next[c] = true
	}
	for _, c := range d.Add {
		next[c] = true
	}
	for _, c := range d.Remove {
		delete(next, c)
	}
	st := blocklistState{Version: d.Version}
	for c := range next {
		st.Cards = append(st.Cards, c)
	}
	sort.Strings(st.Cards)
	raw, err := json.Marshal(st)
	if err != nil {
		return a.blocks.version, err
	}
	if err := a.j.PutState(stateBlocklist, raw); err != nil {
		return a.blocks.version, fmt.Errorf("blocklist delta %d not persisted: %w", s.Version, err)
	}
	a.blocks.version, a.blocks.cards = d.Version, next
	a.log.Info("blocklist updated", "version", d.Version, "added", len(d.Add), "removed", len(d.Remove))
	return d.Version, nil
}
