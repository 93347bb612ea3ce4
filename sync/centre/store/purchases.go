package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/policy"
	"posagent/sync/wire"
)

// The purchases bucket holds, per card, the charges that count against
// the patient (SPEC §9): applied, not voided, nothing held awaiting a
// ruling or refused. Its key is the card index's (card 0 at terminal 0
// seq); its value a compact encoding of the policy.Purchase, so the card
// history the rules need at every apply and every look-up is read without
// decoding whole records:
//
//	uvarint(unix nanoseconds) varint(total) varint(account)
//	str(txn_id) str(pharmacy) str(terminal) uvarint(n) n × (str(code) varint(qty) varint(days))
//
// where str is uvarint(length) bytes.
var bucketPurchases = []byte("purchases")

// errBadPurchase means a stored purchase is not in the layout above.
var errBadPurchase = errors.New("malformed stored purchase")

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// encodePurchase lays p out for the purchases bucket.
func encodePurchase(p policy.Purchase) []byte {
	b := make([]byte, 0, 64+len(p.Items)*16)
	b = binary.AppendVarint(b, p.At.UnixNano())
	b = binary.AppendVarint(b, p.Total)
	b = binary.AppendVarint(b, p.Account)
	b = appendStr(b, p.TxnID)
	b = appendStr(b, p.Pharmacy)
	b = appendStr(b, p.Terminal)
	b = binary.AppendUvarint(b, uint64(len(p.Items)))
	for _, it := range p.Items {
		b = appendStr(b, it.Code)
		b = binary.AppendVarint(b, it.Qty)
		b = binary.AppendVarint(b, it.Days)
	}
	return b
}

// purchaseReader reads the fields of one encoded purchase in order; the
// first error sticks. Strings are cut from one copy of the value (s), so a
// purchase costs one string allocation whatever its fields.
type purchaseReader struct {
	s   string
	err error
}

func (r *purchaseReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint([]byte(r.s[:min(len(r.s), binary.MaxVarintLen64)]))
	if n <= 0 {
		r.err = errBadPurchase
		return 0
	}
	r.s = r.s[n:]
	return v
}

func (r *purchaseReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint([]byte(r.s[:min(len(r.s), binary.MaxVarintLen64)]))
	if n <= 0 {
		r.err = errBadPurchase
		return 0
	}
	r.s = r.s[n:]
	return v
}

func (r *purchaseReader) str() string {
	l := r.uvarint()
	if r.err != nil {
		return ""
	}
	if l > uint64(len(r.s)) {
		r.err = errBadPurchase
		return ""
	}
	out := r.s[:l]
	r.s = r.s[l:]
	return out
}

// decodePurchase reads a value of the purchases bucket; at is in zone.
func decodePurchase(v []byte, zone *time.Location) (policy.Purchase, error) {
	p, _, err := decodePurchaseInto(v, zone, nil)
	return p, err
}

// decodePurchaseInto is decodePurchase appending the purchase's items to
// slab and slicing them from it, so a card's whole history shares a few
// item arrays; it returns the slab grown.
func decodePurchaseInto(v []byte, zone *time.Location, slab []policy.PurchaseItem) (policy.Purchase, []policy.PurchaseItem, error) {
	r := purchaseReader{s: string(v)}
	var p policy.Purchase
	at := r.varint()
	p.Total, p.Account = r.varint(), r.varint()
	p.TxnID, p.Pharmacy, p.Terminal = r.str(), r.str(), r.str()
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.s)) { // every item takes at least one byte
		return p, slab, errBadPurchase
	}
	start := len(slab)
	for range n {
		slab = append(slab, policy.PurchaseItem{Code: r.str(), Qty: r.varint(), Days: r.varint()})
	}
	if r.err != nil || len(r.s) != 0 {
		return p, slab[:start], errBadPurchase
	}
	if n > 0 {
		p.Items = slab[start:len(slab):len(slab)]
	}
	p.At = time.Unix(0, at).In(zone)
	return p, slab, nil
}

// cardHistory is a card's purchases with At in [from, to) (zero to:
// unbounded) as tx sees them, oldest first.
func cardHistory(tx *bolt.Tx, cardNo string, from, to time.Time) ([]policy.Purchase, error) {
	prefix := prefixKey(cardNo)
	var upper []byte
	if !to.IsZero() {
		upper = appendTime(bytes.Clone(prefix), to)
	}
	out := make([]policy.Purchase, 0, 8)
	slab := make([]policy.PurchaseItem, 0, 16)
	c := tx.Bucket(bucketPurchases).Cursor()
	for k, v := c.Seek(appendTime(bytes.Clone(prefix), from)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if upper != nil && bytes.Compare(k, upper) >= 0 {
			break
		}
		p, grown, err := decodePurchaseInto(v, from.Location(), slab)
		slab = grown
		if err != nil {
			return nil, fmt.Errorf("purchase %q: %w", k, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// backfillPurchases fills the purchases bucket of a store written before
// it existed (schema 1), from the card index and the records, and dates
// the charge references its voids need.
func backfillPurchases(tx *bolt.Tx) error {
	records, voided, purchases := tx.Bucket(bucketRecords), tx.Bucket(bucketVoided), tx.Bucket(bucketPurchases)
	c := tx.Bucket(bucketByCard).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		p, ok, err := purchase(records, voided, v)
		if err != nil {
			return fmt.Errorf("backfill purchases: %w", err)
		}
		if ok {
			if err := purchases.Put(bytes.Clone(k), encodePurchase(p)); err != nil {
				return fmt.Errorf("backfill purchases: %w", err)
			}
		}
	}
	return backfillChargeRefs(tx)
}

// backfillChargeRefs adds the time and seq of each charge to its
// reference, so a void can take a voided charge out of the purchases.
func backfillChargeRefs(tx *bolt.Tx) error {
	charges := tx.Bucket(bucketCharges)
	return tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
		t, err := decodeTxn(v)
		if err != nil {
			return fmt.Errorf("backfill charge references: record %q: %w", k, err)
		}
		key := voidedKey(t.Terminal, t.TxnID)
		raw := charges.Get(key)
		if t.Kind != wire.KindCharge || raw == nil {
			return nil
		}
		var ref chargeRef
		if err := json.Unmarshal(raw, &ref); err != nil {
			return fmt.Errorf("backfill charge references: %q: %w", key, err)
		}
		if ref.Seq != 0 || ref.CardNo != t.CardNo || ref.Account != t.Account {
			return nil
		}
		ref.At, ref.Seq = t.At, t.Seq
		raw, err = json.Marshal(ref)
		if err != nil {
			return err
		}
		return charges.Put(key, raw)
	})
}

// putPurchase adds the charge stored at recKey to its card's purchases.
func putPurchase(tx *bolt.Tx, recKey []byte) error {
	r, err := decodeRecord(tx.Bucket(bucketRecords).Get(recKey))
	if err != nil {
		return fmt.Errorf("record %q: %w", recKey, err)
	}
	var rec wire.Record
	if err := json.Unmarshal(r.Entry.Body, &rec); err != nil {
		return fmt.Errorf("record %q: body: %w", recKey, err)
	}
	return tx.Bucket(bucketPurchases).Put(indexKey(rec.CardNo, rec.At, recKey), encodePurchase(rec.Purchase(r.Txn.Pharmacy)))
}
