package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/sync/wire"
)

// Lookup is one account look-up a terminal asked the centre for at a
// swipe (SPEC §9), answered or refused, as supervisors see it.
type Lookup struct {
	Terminal string    `json:"terminal"`
	Pharmacy string    `json:"pharmacy"`
	CardNo   string    `json:"card_no"`
	At       time.Time `json:"at"`      // the centre's clock
	Found    bool      `json:"found"`   // the card has an account
	Refused  bool      `json:"refused"` // over the terminal's rate limit (or a malformed card number): not answered
	// Proven is whether the look-up carried a valid proof that the card
	// was at the counter (SPEC §10): only those are answered whole by a
	// centre holding the issuer key; the others are charged to the
	// terminal's rate and answered status and balance only.
	Proven bool `json:"proven,omitempty"`
	// Kind is "" for an account look-up and LookupVoucher for an
	// e-voucher redemption, which is logged here too (the same alerts see
	// a terminal guessing tokens); Token is then the token tried (quoted
	// and cut short when malformed) and CardNo the card it stands for, ""
	// when unknown.
	Kind  string `json:"kind,omitempty"`
	Token string `json:"token,omitempty"`
	// Code says why a refused one was refused (a voucher's: RATE_LIMITED,
	// VOUCHER_USED, VOUCHER_EXPIRED, VOUCHER_UNKNOWN, VOUCHER_BAD_TOKEN);
	// "" when answered, and for account look-ups.
	Code string `json:"code,omitempty"`
	// Sale is whether a charge of the same terminal and card is dated, or
	// was received by the centre, in [At − SaleBefore, At + SaleWithin).
	// It is not stored: Lookups works it out when listing, so a charge
	// synced hours later (an offline sale) still counts, and the time of
	// receipt (the centre's clock) counts a sale of a terminal whose clock
	// is off.
	Sale bool `json:"sale"`
}

// LookupVoucher is the Kind of a logged e-voucher redemption.
const LookupVoucher = "voucher"

// The window in which a charge follows a look-up (Lookup.Sale). A charge
// is dated by the terminal's clock, so a few minutes before the look-up
// are allowed for its skew.
const (
	SaleBefore = 5 * time.Minute
	SaleWithin = 30 * time.Minute
)

// LookupFilter selects look-ups. Zero fields match everything.
type LookupFilter struct {
	Terminal    string
	Pharmacy    string
	CardNo      string
	From, To    time.Time // At in [From, To)
	WithoutSale bool      // only those no charge followed
	Limit       int       // 0: a default of 1000
}

func (f LookupFilter) match(l Lookup) bool {
	return (f.Terminal == "" || l.Terminal == f.Terminal) &&
		(f.Pharmacy == "" || l.Pharmacy == f.Pharmacy) &&
		(f.CardNo == "" || l.CardNo == f.CardNo) &&
		(f.From.IsZero() || !l.At.Before(f.From)) &&
		(f.To.IsZero() || l.At.Before(f.To))
}

// bucketLookups holds the look-up log: at seq → Lookup JSON, where seq is
// the bucket's sequence (two look-ups in the same nanosecond stay apart).
var bucketLookups = []byte("lookups")

// LogLookup appends l to the look-up log, in a write transaction of its
// own (bbolt's Batch would make a terminal's look-ups, which come one at
// a time, wait its delay each).
func (b *Bolt) LogLookup(ctx context.Context, l Lookup) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("log look-up: %w", err)
	}
	if err := checkName("terminal", l.Terminal); err != nil {
		return fmt.Errorf("log look-up: %w", err)
	}
	if l.Kind != LookupVoucher || l.CardNo != "" { // an unknown voucher has no card
		if err := checkName("card number", l.CardNo); err != nil {
			return fmt.Errorf("log look-up of %s: %w", l.Terminal, err)
		}
	}
	err := b.db.Update(func(tx *bolt.Tx) error { return putLookup(tx, l) })
	if err != nil {
		return fmt.Errorf("log look-up of %s by %s: %w", l.CardNo, l.Terminal, err)
	}
	return nil
}

// putLookup appends l to the look-up log in tx.
func putLookup(tx *bolt.Tx, l Lookup) error {
	l.Sale = false
	bk := tx.Bucket(bucketLookups)
	seq, err := bk.NextSequence()
	if err != nil {
		return err
	}
	key := binary.BigEndian.AppendUint64(appendTime(nil, l.At), seq)
	return putJSON(bk, key, l)
}

// Lookups walks the log from f.To (or the newest) back to f.From and
// returns the look-ups matching f, newest first, at most f.Limit (default
// 1000), each with Sale worked out from the card index.
func (b *Bolt) Lookups(ctx context.Context, f LookupFilter) ([]Lookup, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("look-ups: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	out := []Lookup{}
	err := b.db.View(func(tx *bolt.Tx) error {
		byCard, records := tx.Bucket(bucketByCard), tx.Bucket(bucketRecords)
		return scanBack(tx.Bucket(bucketLookups).Cursor(), nil, f.From, f.To, func(v []byte) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			var l Lookup
			if err := json.Unmarshal(v, &l); err != nil {
				return false, fmt.Errorf("look-up: %w", err)
			}
			if !f.match(l) {
				return true, nil
			}
			sale, err := followedBySale(byCard, records, l)
			if err != nil {
				return false, err
			}
			l.Sale = sale
			if !f.WithoutSale || !sale {
				out = append(out, l)
			}
			return len(out) < limit, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("look-ups: %w", err)
	}
	return out, nil
}

// followedBySale reports whether the card index holds a charge of l's
// terminal and card dated, or received, in the sale window of l. Every
// charge of the card is looked at, since a terminal's clock may be off by
// any amount; a card has few.
func followedBySale(byCard, records *bolt.Bucket, l Lookup) (bool, error) {
	prefix := prefixKey(l.CardNo)
	term := prefixKey(l.Terminal)
	from, to := l.At.Add(-SaleBefore), l.At.Add(SaleWithin)
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	c := byCard.Cursor()
	for k, recKey := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, recKey = c.Next() {
		// k is card 0 at terminal 0 seq.
		if len(k) < len(prefix)+timeKeyLen || !bytes.HasPrefix(k[len(prefix)+timeKeyLen:], term) {
			continue
		}
		t, err := loadTxn(records, recKey)
		if err != nil {
			return false, err
		}
		if t.Kind == wire.KindCharge && (in(t.At) || in(t.ReceivedAt)) {
			return true, nil
		}
	}
	return false, nil
}
