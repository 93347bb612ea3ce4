package reader

import (
	"fmt"
	"log/slog"
	"time"

	"posagent/internal/clock"
)

// Config says which port to read and how.
type Config struct {
	Port   string // device path, e.g. /dev/ttyUSB0 or COM3
	Format Format // FormatTrack2, FormatFrame or FormatScanner
	Baud   int    // default 9600
	// Debounce: the same card number (a scanner: the same line) read again
	// within Debounce of its last accepted read is the same swipe or scan
	// and is ignored. Default 2s.
	Debounce time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts to reopen
	// a port that failed; the wait doubles from MinBackoff up to
	// MaxBackoff. Defaults 100ms and 2s.
	MinBackoff, MaxBackoff time.Duration
	// AuthTimeout bounds Auth's wait for the card's answer. Default 2 s: a
	// card answers in a fraction of that; a busy terminal must not refuse
	// a sale for a slow moment.
	AuthTimeout time.Duration
	Logger      *slog.Logger // default slog.Default()
	// Clock times the debounce window, the reopen backoff, the idle flush
	// of a partial line and the read time of every card and event; default
	// the machine's clock. The serial port's own read timeout is the
	// operating system's, in real time.
	Clock clock.Clock
}

// Defaults for zero Config fields.
const (
	DefaultBaud        = 9600
	DefaultDebounce    = 2 * time.Second
	DefaultMinBackoff  = 100 * time.Millisecond
	DefaultMaxBackoff  = 2 * time.Second
	DefaultAuthTimeout = 2 * time.Second
)

// standardBauds are the rates a serial port can be set to.
var standardBauds = map[int]bool{
	1200: true, 2400: true, 4800: true, 9600: true, 19200: true,
	38400: true, 57600: true, 115200: true, 230400: true,
}

// withDefaults fills zero fields with their defaults.
func (c Config) withDefaults() Config {
	if c.Baud == 0 {
		c.Baud = DefaultBaud
	}
	if c.Debounce == 0 {
		c.Debounce = DefaultDebounce
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.AuthTimeout == 0 {
		c.AuthTimeout = DefaultAuthTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Clock = clock.Or(c.Clock)
	return c
}

// Validate returns an error naming the first bad field. Zero Baud,
// Debounce, backoffs and AuthTimeout are valid and mean the defaults.
func (c Config) Validate() error {
	if c.Port == "" {
		return fmt.Errorf("reader config: Port is empty")
	}
	if err := c.Format.Validate(); err != nil {
		return fmt.Errorf("reader config: Format: %w", err)
	}
	if c.Baud != 0 && !standardBauds[c.Baud] {
		return fmt.Errorf("reader config: Baud %d is not a standard rate (1200–230400)", c.Baud)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Debounce", c.Debounce}, {"MinBackoff", c.MinBackoff}, {"MaxBackoff", c.MaxBackoff}, {"AuthTimeout", c.AuthTimeout}} {
		if d.v < 0 {
			return fmt.Errorf("reader config: %s %v is negative", d.name, d.v)
		}
	}
	if d := c.withDefaults(); d.MinBackoff > d.MaxBackoff {
		return fmt.Errorf("reader config: MinBackoff %v is above MaxBackoff %v", d.MinBackoff, d.MaxBackoff)
	}
	return nil
}
