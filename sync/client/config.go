package client

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"posagent/internal/clock"
	"posagent/sync/wire"
)

// Defaults of Config.
const (
	DefaultMinBackoff   = 250 * time.Millisecond
	DefaultMaxBackoff   = 30 * time.Second
	DefaultPingInterval = 20 * time.Second
	DefaultDialTimeout  = 5 * time.Second
)

// Config configures a Client. URL, Terminal, Token, Outbox and Handler are
// required; zero durations take their defaults.
type Config struct {
	URL      string // centre base URL, ws:// or wss://; the client dials URL + wire.AgentPath
	Terminal string
	Token    string
	Outbox   Outbox
	Handler  Handler
	// Reconciler, when set, takes part in the daily reconciliation: while
	// connected to a centre that supports it, the client sends what it
	// says is due and hands back the answers. Nil: the client reconciles
	// only on demand (Reconcile).
	Reconciler Reconciler
	Logger     *slog.Logger // default slog.Default()

	// MinBackoff and MaxBackoff bound the wait between connection attempts:
	// MinBackoff doubling to MaxBackoff, with full jitter (defaults 250ms,
	// 30s).
	MinBackoff, MaxBackoff time.Duration
	// PingInterval is how often the client pings (default 20s); the read
	// deadline is three times it.
	PingInterval time.Duration
	// DialTimeout bounds the dial, the upgrade and the hello/welcome
	// exchange (default 5s), in real time: it is the socket's deadline.
	DialTimeout time.Duration
	TLSConfig   *tls.Config // for wss; nil: the system roots
	// Insecure allows ws:// (plain text) to a host that is not loopback;
	// without it such a URL is refused, so a token never crosses a network
	// in clear by mistake.
	Insecure bool
	// Clock stamps Status times and paces the backoff, pings, polls and
	// reconciliation rounds; default the machine's clock. Socket deadlines
	// are wall-clock instants whatever it is.
	Clock clock.Clock

	// AgentVersion is sent in hello for the centre's records (optional).
	AgentVersion string

	// OnAck, when set, is called after each acknowledged batch with the
	// number of entries the batch carried and the time from sending it to
	// its ack (for the agent's metrics). It runs on the upload goroutine
	// and must return quickly.
	OnAck func(entries int, latency time.Duration)
}

func (cfg *Config) setDefaults() {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.MinBackoff)
	}
	if cfg.PingInterval == 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	cfg.Clock = clock.Or(cfg.Clock)
}

// validate checks cfg (defaults already set) and returns the URL to dial.
func (cfg *Config) validate() (string, error) {
	u, err := url.Parse(cfg.URL)
	switch {
	case cfg.URL == "":
		return "", errors.New("client config: URL is required")
	case err != nil:
		return "", fmt.Errorf("client config: URL %q: %w", cfg.URL, err)
	case u.Scheme != "ws" && u.Scheme != "wss":
		return "", fmt.Errorf("client config: URL %q: scheme must be ws or wss", cfg.URL)
	case u.Host == "":
		return "", fmt.Errorf("client config: URL %q: no host", cfg.URL)
	case u.Scheme == "ws" && !cfg.Insecure && !IsLoopback(u.Hostname()):
		return "", fmt.Errorf("client config: URL %q: ws:// (no TLS) only to a loopback host; use wss:// or Insecure", cfg.URL)
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("client config: URL %q: must not have a query or fragment", cfg.URL)
	case cfg.Terminal == "":
		return "", errors.New("client config: Terminal is required")
	case cfg.Token == "":
		return "", errors.New("client config: Token is required")
	case cfg.Outbox == nil:
		return "", errors.New("client config: Outbox is required")
	case cfg.Handler == nil:
		return "", errors.New("client config: Handler is required")
	case cfg.MinBackoff < 0:
		return "", fmt.Errorf("client config: MinBackoff %v is negative", cfg.MinBackoff)
	case cfg.MaxBackoff < cfg.MinBackoff:
		return "", fmt.Errorf("client config: MaxBackoff %v is below MinBackoff %v", cfg.MaxBackoff, cfg.MinBackoff)
	case cfg.PingInterval < 0:
		return "", fmt.Errorf("client config: PingInterval %v is negative", cfg.PingInterval)
	case cfg.DialTimeout < 0:
		return "", fmt.Errorf("client config: DialTimeout %v is negative", cfg.DialTimeout)
	}
	return strings.TrimSuffix(cfg.URL, "/") + wire.AgentPath, nil
}

// IsLoopback reports whether host (a name or an IP, without port) is this
// machine: "localhost" or a loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
