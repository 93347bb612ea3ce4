// Package cardsim owns the simulated IC card behind a simulated card
// reader: each card's key (derived from the region's issuer key, as
// package cardproof does it), its transaction counter (kept durably in a
// file, or in memory for tests), and the reader's side of the AUTH exchange
// of SPEC §10 (Responder reads the host's frames and answers 0x33 with
// 0x43). cmd/cardsim, internal/demo and internal/chaos use it.
//
// It does not encode swipes (package reader does) nor decide when cards
// are swiped or taken out (its callers do).
package cardsim

import (
	"fmt"
	"sync"

	"posagent/internal/cardproof"
	"posagent/reader"
)

// Card is one simulated IC card: its number, its key and its counter.
type Card struct {
	No      string
	key     *cardproof.Card
	counter Counter
}

// NewCard is the card numbered no of the region whose issuer key is
// issuer, counting with counter.
func NewCard(issuer cardproof.IssuerKey, no string, counter Counter) (*Card, error) {
	k, err := cardproof.NewCard(cardproof.Default, issuer, no)
	if err != nil {
		return nil, fmt.Errorf("simulated card: %w", err)
	}
	return &Card{No: no, key: k, counter: counter}, nil
}

// Answer is the card's answer to ch: it moves its counter on (durably,
// for a FileCounter) and then signs ch with the new value.
func (c *Card) Answer(ch cardproof.Challenge) (reader.AuthAnswer, error) {
	n, err := c.counter.Next()
	if err != nil {
		return reader.AuthAnswer{}, fmt.Errorf("card %s: %w", c.No, err)
	}
	return reader.AuthAnswer{CardNo: c.No, Counter: n, Cryptogram: c.key.Sign(ch, n)}, nil
}

// Deck is every card of one region, made on first use, each with its own
// counter, so a card keeps counting when it is swiped again, at any
// terminal of the simulation. Safe for concurrent use.
type Deck struct {
	issuer     cardproof.IssuerKey
	newCounter func(cardNo string) (Counter, error)

	mu    sync.Mutex
	cards map[string]*Card
}

// NewDeck returns the deck of issuer's cards; newCounter gives a new
// card's counter (nil: a MemCounter).
func NewDeck(issuer cardproof.IssuerKey, newCounter func(cardNo string) (Counter, error)) *Deck {
	if newCounter == nil {
		newCounter = func(string) (Counter, error) { return new(MemCounter), nil }
	}
	return &Deck{issuer: issuer, newCounter: newCounter, cards: make(map[string]*Card)}
}

// Card returns the card numbered no.
func (d *Deck) Card(no string) (*Card, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.cards[no]; ok {
		return c, nil
	}
	ctr, err := d.newCounter(no)
	if err != nil {
		return nil, err
	}
	c, err := NewCard(d.issuer, no, ctr)
	if err != nil {
		return nil, err
	}
	d.cards[no] = c
	return c, nil
}
