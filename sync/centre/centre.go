package centre

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the region's zone must load on machines without a zone database

	"golang.org/x/crypto/bcrypt"

	"posagent/internal/cardproof"
	"posagent/internal/clock"
	"posagent/sync/centre/store"
)

// DefaultHistoryDays is how far back an account answer's history reaches
// when Config.HistoryDays is zero.
const DefaultHistoryDays = 90

// DefaultZone is the region's time zone when Config.Location is nil.
const DefaultZone = "Asia/Shanghai"

// Config is what a Centre needs.
type Config struct {
	// Store is the centre's storage. Required. The Centre does not close it.
	Store store.Store
	// SigningKey signs bundles and blocklist deltas; nil means this centre
	// cannot publish (publishing answers ErrNoSigningKey).
	SigningKey ed25519.PrivateKey
	// IssuerKey is the region's card issuer key (`centre keygen --issuer`):
	// with it, every synced charge's card proof is verified on apply
	// (SPEC §10: CARD_PROOF_MISSING, CARD_PROOF_INVALID,
	// CARD_COUNTER_REPLAY, held whole) and the rules re-judge it knowing
	// how the card was presented (a track-2 swipe: track2_account_limit).
	// Nil judges no card presence: a region whose cards carry no keys yet.
	IssuerKey cardproof.IssuerKey
	// Logger receives the centre's logs; nil means slog.Default().
	Logger *slog.Logger
	// Clock tells the time; nil means the machine's clock.
	Clock clock.Clock
	// Location is the region's time zone, in which days begin and end for
	// supervisors; nil means DefaultZone.
	Location *time.Location
	// HistoryDays is how many days of card history an account answer
	// carries; 0 means DefaultHistoryDays.
	HistoryDays int
	// LookupRate is how many account look-ups per second of the clock a
	// terminal is answered in the long run, and LookupBurst how many at
	// once (a token bucket per terminal); 0 means DefaultLookupRate and
	// DefaultLookupBurst.
	LookupRate  float64
	LookupBurst int
	// EntryQuota is how many new journal entries one terminal may have
	// applied in one local day (ErrOverQuota past it); 0 means
	// DefaultEntryQuota.
	EntryQuota int
	// PasswordCost is the bcrypt cost of new password hashes; 0 means
	// bcrypt.DefaultCost (tests lower it).
	PasswordCost int
	// Observer is told what the centre did, for metrics; nil means nobody.
	Observer Observer
	// RecordChecksOnly is test equipment for the sync protocol's own tests,
	// whose made-up records name no published rules: synced records are
	// still checked on their own (arithmetic, dates, repeated txn_id,
	// voids) and held on the account, but not re-judged against the rules.
	// The centre command never sets it.
	RecordChecksOnly bool
}

// defaultLocation loads DefaultZone once (from the embedded zone database
// when the machine has none).
var defaultLocation = sync.OnceValues(func() (*time.Location, error) {
	return time.LoadLocation(DefaultZone)
})

// withDefaults checks cfg and fills in its defaults.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Store == nil {
		return cfg, errors.New("centre config: Store is required")
	}
	if cfg.SigningKey != nil && len(cfg.SigningKey) != ed25519.PrivateKeySize {
		return cfg, fmt.Errorf("centre config: SigningKey has %d bytes, want %d", len(cfg.SigningKey), ed25519.PrivateKeySize)
	}
	if cfg.IssuerKey != nil && len(cfg.IssuerKey) != cardproof.IssuerKeySize {
		return cfg, fmt.Errorf("centre config: IssuerKey has %d bytes, want %d", len(cfg.IssuerKey), cardproof.IssuerKeySize)
	}
	if cfg.HistoryDays < 0 {
		return cfg, fmt.Errorf("centre config: HistoryDays %d is negative", cfg.HistoryDays)
	}
	if cfg.HistoryDays == 0 {
		cfg.HistoryDays = DefaultHistoryDays
	}
	if cfg.LookupRate < 0 || cfg.LookupRate != cfg.LookupRate {
		return cfg, fmt.Errorf("centre config: LookupRate %v is not a rate", cfg.LookupRate)
	}
	if cfg.EntryQuota < 0 {
		return cfg, fmt.Errorf("centre config: EntryQuota %d is negative", cfg.EntryQuota)
	}
	if cfg.EntryQuota == 0 {
		cfg.EntryQuota = DefaultEntryQuota
	}
	if cfg.LookupBurst < 0 {
		return cfg, fmt.Errorf("centre config: LookupBurst %d is negative", cfg.LookupBurst)
	}
	if cfg.LookupRate == 0 {
		cfg.LookupRate = DefaultLookupRate
	}
	if cfg.LookupBurst == 0 {
		cfg.LookupBurst = DefaultLookupBurst
	}
	if cfg.PasswordCost == 0 {
		cfg.PasswordCost = bcrypt.DefaultCost
	}
	if cfg.PasswordCost < bcrypt.MinCost || cfg.PasswordCost > bcrypt.MaxCost {
		return cfg, fmt.Errorf("centre config: PasswordCost %d: want %d to %d", cfg.PasswordCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Location == nil {
		loc, err := defaultLocation()
		if err != nil {
			return cfg, fmt.Errorf("centre config: zone %s: %w", DefaultZone, err)
		}
		cfg.Location = loc
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	return cfg, nil
}

// Bundle is the latest bundle, encoded once as the websocket message that
// offers it, for every agent it is pushed to.
type Bundle struct {
	Version int64
	Message []byte // a wire.Message of type wire.TypeBundle, JSON
}

// maxBcrypt is how many bcrypt checks may run at once, so a flood of
// made-up credentials queues instead of taking every core from Apply.
const maxBcrypt = 2

// Centre is the regional centre's domain object. Its methods are safe for
// concurrent use; create it with New.
type Centre struct {
	cfg Config
	st  store.Store
	log *slog.Logger

	// publishMu makes publishing and blocking one at a time, so "latest+1"
	// is never computed twice for the same version.
	publishMu sync.Mutex
	// ledgerMu lets Apply calls run together (read side) and gives the
	// read-modify-write of accounts (blocking cards, importing, enrolling)
	// the ledger to itself (write side), so no charge is lost between read
	// and write.
	ledgerMu sync.RWMutex

	// bundle caches the latest bundle, encoded as a message, so a publish
	// to many agents encodes it once.
	bundle atomic.Pointer[Bundle]
	// parsed holds every published bundle, parsed, for re-judging.
	parsed bundles

	// buckets rate-limits terminals' account look-ups.
	buckets tokenBuckets
	// nonceBuckets rate-limits terminals' look-up nonces (lookupproof.go).
	nonceBuckets tokenBuckets
	// quota bounds each terminal's new entries per day.
	quota entryQuota

	notifier atomic.Pointer[Notifier]
	// passwords bounds concurrent bcrypt checks (see PasswordMatches).
	passwords chan struct{}
	dummyHash func() []byte
}

// New checks cfg and returns a Centre.
func New(cfg Config) (*Centre, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Centre{cfg: cfg, st: cfg.Store, log: cfg.Logger, passwords: make(chan struct{}, maxBcrypt),
		buckets:      tokenBuckets{rate: cfg.LookupRate, burst: float64(cfg.LookupBurst)},
		nonceBuckets: tokenBuckets{rate: cfg.LookupRate, burst: float64(cfg.LookupBurst)},
		quota:        entryQuota{limit: cfg.EntryQuota}}
	c.dummyHash = sync.OnceValue(func() []byte {
		h, _ := bcrypt.GenerateFromPassword([]byte("posagent-no-such-user"), cfg.PasswordCost)
		return h
	})
	return c, nil
}

// SetNotifier sets who is told about new signed documents and re-keyed
// terminals (the agents' websocket end); nil means nobody.
func (c *Centre) SetNotifier(n Notifier) {
	if n == nil {
		c.notifier.Store(nil)
		return
	}
	c.notifier.Store(&n)
}

// notify returns the notifier, or one that does nothing.
func (c *Centre) notify() Notifier {
	if n := c.notifier.Load(); n != nil {
		return *n
	}
	return noNotifier{}
}

// Now is the centre's current time.
func (c *Centre) Now() time.Time { return c.cfg.Clock.Now() }

// Clock is the centre's clock, for the timers and tickers of the parts
// around it.
func (c *Centre) Clock() clock.Clock { return c.cfg.Clock }

// Location is the region's time zone: days, and times shown to people.
func (c *Centre) Location() *time.Location { return c.cfg.Location }

// Logger is the centre's logger, for the parts around it.
func (c *Centre) Logger() *slog.Logger { return c.log }
