package centre

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"posagent/sync/centre/store"
)

// DefaultHistoryDays is how far back an account answer's history reaches
// when Config.HistoryDays is zero.
const DefaultHistoryDays = 90

// Config is what a Server needs.
type Config struct {
	// Store is the centre's storage. Required. The Server does not close it.
	Store store.Store
	// SigningKey signs bundles and blocklist deltas; nil means this server
	// cannot publish (publishing answers an error saying so).
	SigningKey ed25519.PrivateKey
	// AdminToken is the bearer token of the /admin API; empty disables it.
	AdminToken string
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HistoryDays is how many days of card history an account answer
	// carries; 0 means DefaultHistoryDays.
	HistoryDays int
	// Registerer receives the centre's Prometheus metrics. Nil means a
	// registry of the server's own (with Go runtime and process metrics);
	// either way, when it can be gathered it is served at GET /metrics.
	Registerer prometheus.Registerer
}

// withDefaults checks cfg and fills in its defaults.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Store == nil {
		return cfg, errors.New("centre config: Store is required")
	}
	if cfg.SigningKey != nil && len(cfg.SigningKey) != ed25519.PrivateKeySize {
		return cfg, fmt.Errorf("centre config: SigningKey has %d bytes, want %d", len(cfg.SigningKey), ed25519.PrivateKeySize)
	}
	if cfg.HistoryDays < 0 {
		return cfg, fmt.Errorf("centre config: HistoryDays %d is negative", cfg.HistoryDays)
	}
	if cfg.HistoryDays == 0 {
		cfg.HistoryDays = DefaultHistoryDays
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg, nil
}
