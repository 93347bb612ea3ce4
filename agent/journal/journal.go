package journal

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"posagent/internal/boltcheck"
	"posagent/sync/wire"
)

// Errors returned (wrapped) by the journal.
var (
	ErrNotFound = errors.New("not found")
	// ErrTooLarge means a record's body is over MaxBody: it could never be
	// synced, so it is not written.
	ErrTooLarge      = errors.New("record too large to sync")
	ErrDuplicateKey  = errors.New("idempotency key already used by a charge")
	ErrDuplicateTxn  = errors.New("txn_id already used by a charge or void")
	ErrAlreadyVoided = errors.New("charge already voided")
	ErrVoidTarget    = errors.New("void target is not a charge of this card")
	ErrTerminal      = errors.New("journal belongs to another terminal")
	ErrChainBroken   = errors.New("CHAIN_BROKEN")
	ErrChainGap      = errors.New("CHAIN_GAP")
	// ErrDamaged means Open found the file unreadable as a bbolt database
	// (truncated, pages overwritten): it refuses rather than crash.
	ErrDamaged = boltcheck.ErrDamaged
)

// formatVersion is the bucket layout version stored in meta.
const formatVersion = "1"

// Options configure Open.
type Options struct {
	// Terminal is the terminal id. A new journal is stamped with it; an
	// existing one must carry the same id.
	Terminal string
	// Timeout bounds the wait for the file lock (another process holding
	// the journal open). Zero means one second.
	Timeout time.Duration
	// Logger receives the journal's notices. Nil means slog.Default().
	Logger *slog.Logger
}

// Journal is an open journal file. Its methods are safe for concurrent use.
type Journal struct {
	db       *bolt.DB
	path     string
	terminal string
	log      *slog.Logger

	wmu sync.Mutex // serialises writers so the cache follows commit order

	mu   sync.RWMutex // guards view
	view view
}

// view is the cached copy of what the file says, moved only after a commit.
type view struct {
	lastSeq  uint64
	lastHash string
	acked    uint64
	sumLast  int64     // running terminal exposure at lastSeq
	sumAcked int64     // running terminal exposure at acked
	oldest   time.Time // At of record acked+1; zero when nothing is unsynced
}

// Open opens (creating when needed) the journal at path for opts.Terminal.
func Open(path string, opts Options) (*Journal, error) {
	if opts.Terminal == "" {
		return nil, fmt.Errorf("open journal %s: no terminal id", path)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	// A damaged file must refuse, not panic or fault inside bbolt.
	if err := boltcheck.Check(path, opts.Timeout); err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout})
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	j := &Journal{db: db, path: path, terminal: opts.Terminal, log: opts.Logger.With("journal", path)}
	if err := db.Update(j.initialise); err != nil {
		db.Close()
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	if err := db.View(j.load); err != nil {
		db.Close()
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	j.log.Info("journal open", "terminal", j.terminal, "last_seq", j.view.lastSeq, "acked", j.view.acked)
	return j, nil
}

// initialise creates the buckets and checks (or stamps) the terminal id and
// the layout version.
func (j *Journal) initialise(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bMeta)
	if f := meta.Get(kFormat); f != nil && string(f) != formatVersion {
		return fmt.Errorf("journal format %q, this build reads %q", f, formatVersion)
	}
	if t := meta.Get(kTerminal); t != nil {
		if string(t) != j.terminal {
			return fmt.Errorf("%w: file is %q, configured %q", ErrTerminal, t, j.terminal)
		}
		return nil
	}
	if err := meta.Put(kFormat, []byte(formatVersion)); err != nil {
		return fmt.Errorf("stamp format: %w", err)
	}
	if err := meta.Put(kTerminal, []byte(j.terminal)); err != nil {
		return fmt.Errorf("stamp terminal: %w", err)
	}
	return nil
}

// load fills the cached view from the file.
func (j *Journal) load(tx *bolt.Tx) error {
	meta := tx.Bucket(bMeta)
	v := view{
		lastSeq:  getUint(meta, kLastSeq),
		lastHash: string(meta.Get(kLastHash)),
		acked:    getUint(meta, kAcked),
	}
	v.sumLast = sumAt(tx.Bucket(bSum), nil, v.lastSeq)
	v.sumAcked = sumAt(tx.Bucket(bSum), nil, v.acked)
	oldest, err := oldestUnsynced(tx, v.acked, v.lastSeq)
	if err != nil {
		// A damaged record must not stop the counter; Verify names it.
		j.log.Warn("journal: backlog age unknown", "err", err)
	}
	v.oldest = oldest
	j.view = v
	return nil
}

// Close closes the file. The journal is unusable afterwards.
func (j *Journal) Close() error {
	if err := j.db.Close(); err != nil {
		return fmt.Errorf("close journal %s: %w", j.path, err)
	}
	return nil
}

// Path returns the journal file's path.
func (j *Journal) Path() string { return j.path }

// LastSeq returns the seq of the last record appended (0 when empty).
func (j *Journal) LastSeq() uint64 {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.view.lastSeq
}

// LastHash returns the hash of the last entry ("" when empty).
func (j *Journal) LastHash() string {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.view.lastHash
}

// snapshot returns a copy of the cached view.
func (j *Journal) snapshot() view {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.view
}

// setView replaces the cached view; callers hold wmu and have committed.
func (j *Journal) setView(v view) {
	j.mu.Lock()
	j.view = v
	j.mu.Unlock()
}

// MaxBody bounds one entry's body at what the centre accepts
// (wire.MaxRecordBody), so every entry can be synced.
const MaxBody = wire.MaxRecordBody
