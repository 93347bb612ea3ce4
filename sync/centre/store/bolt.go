package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"posagent/internal/boltcheck"
)

// ErrLocked is returned (wrapped) by OpenBolt when another process, or
// another open store in this one, holds the file: usually "the centre is
// running".
var ErrLocked = errors.New("store file is locked by another open store")

// ErrDamaged is returned (wrapped) by OpenBolt when the file is not a sound
// bbolt database (truncated, pages overwritten): it refuses rather than crash.
var ErrDamaged = boltcheck.ErrDamaged

// schemaVersion is the layout this code reads and writes.
const schemaVersion = 4

// Buckets. Keys are described where each is written.
var (
	bucketMeta      = []byte("meta")          // "schema" → version (8 bytes BE)
	bucketAccounts  = []byte("accounts")      // card_no → policy.Holder JSON
	bucketTerminals = []byte("terminals")     // id → Terminal JSON
	bucketUsers     = []byte("users")         // name → User JSON
	bucketSigned    = []byte("signed")        // kind → (version BE → wire.Signed JSON)
	bucketRecords   = []byte("records")       // terminal 0 seq → stored record (record.go)
	bucketByTime    = []byte("by_time")       // at terminal 0 seq → record key
	bucketByCard    = []byte("by_card")       // card 0 at terminal 0 seq → record key
	bucketByPharm   = []byte("by_pharmacy")   // pharmacy 0 at terminal 0 seq → record key
	bucketByTerm    = []byte("by_terminal")   // terminal 0 at seq → record key
	bucketVoided    = []byte("voided")        // terminal 0 txn_id → seq of the void that refunded it
	bucketCharges   = []byte("charges")       // terminal 0 txn_id → chargeRef JSON
	bucketRecon     = []byte("reconciled")    // day 0 terminal → Reconciliation JSON
	bucketReconBad  = []byte("mismatched")    // day 0 terminal → "" for results that did not match
	bucketCounters  = []byte("card_counters") // card 0 counter (8 bytes BE) → key of the record whose verified proof used it
	bucketRulings   = []byte("rulings")       // record key, ordinal (4 bytes BE, from 1) → Ruling JSON
)

var allBuckets = [][]byte{
	bucketMeta, bucketAccounts, bucketTerminals, bucketUsers, bucketSigned,
	bucketRecords, bucketByTime, bucketByCard, bucketByPharm, bucketByTerm, bucketVoided,
	bucketCharges, bucketRecon, bucketReconBad, bucketPurchases, bucketLookups, bucketCounters,
	bucketVouchers, bucketRulings, bucketAudit,
}

func init() {
	allBuckets = append(allBuckets, reviewIndex.buckets()...)
	allBuckets = append(allBuckets, awaitingIndex.buckets()...)
}

// BoltOptions tunes OpenBolt. The zero value is ready to use.
type BoltOptions struct {
	// Timeout is how long to wait for the file lock; 0 means 1 s. When it
	// passes, OpenBolt returns an error wrapping ErrLocked.
	Timeout time.Duration
	// Logger receives chain findings and conflicts; nil means slog.Default().
	Logger *slog.Logger
}

// Bolt is the embedded Store: one bbolt file. It is safe for concurrent
// use; bbolt serialises writers.
type Bolt struct {
	db  *bolt.DB
	log *slog.Logger
}

var _ Store = (*Bolt)(nil)

// OpenBolt opens or creates the store file at path.
func OpenBolt(path string, opts BoltOptions) (*Bolt, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	// A damaged file must refuse, not panic or fault inside bbolt.
	if err := boltcheck.Check(path, opts.Timeout); err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("open store: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := db.Update(initBuckets); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return &Bolt{db: db, log: opts.Logger.With("component", "store")}, nil
}

// initBuckets creates missing buckets and checks the schema version.
func initBuckets(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	v := meta.Get([]byte("schema"))
	switch {
	case v == nil: // a new store
	case decodeUint64(v) == 1: // before the purchases bucket (and the card counters)
		if err := backfillPurchases(tx); err != nil {
			return err
		}
	case decodeUint64(v) == 2: // before the card counters: created empty above, no proof was verified before
	case decodeUint64(v) == 3: // before the rulings: created empty above, no ruling history was kept before
	case decodeUint64(v) != schemaVersion:
		return fmt.Errorf("store schema %d, this build reads %d", decodeUint64(v), schemaVersion)
	default:
		return ensureQueueIndex(tx)
	}
	if err := meta.Put([]byte("schema"), encodeUint64(schemaVersion)); err != nil {
		return err
	}
	return ensureQueueIndex(tx)
}

// Close releases the file lock.
func (b *Bolt) Close() error {
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// getJSON decodes the value at key into v; ErrNotFound when absent.
func getJSON(bk *bolt.Bucket, key []byte, v any) error {
	raw := bk.Get(key)
	if raw == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode %q: %w", key, err)
	}
	return nil
}

// putJSON encodes v at key.
func putJSON(bk *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", key, err)
	}
	if err := bk.Put(key, raw); err != nil {
		return fmt.Errorf("put %q: %w", key, err)
	}
	return nil
}

// checkName rejects names that cannot be keys: empty, or holding the 0x00
// separator of composite keys.
func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("empty %s", what)
	}
	if strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("%s %q holds a NUL byte", what, name)
	}
	return nil
}
