package reader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"posagent/internal/clock"
)

// Reader owns one serial card reader: it opens the port, decodes what
// arrives, debounces repeated reads and reopens the port when it is lost.
// Status and Auth are safe to call from any goroutine; Run runs once at a
// time.
type Reader struct {
	cfg     Config
	log     *slog.Logger
	running atomic.Bool
	authMu  sync.Mutex // one Auth at a time

	mu       sync.Mutex
	status   Status
	port     *port       // the open port Auth writes to; nil when none
	inReader string      // number of the card in the reader; "" when none is known
	waiter   *authWaiter // the Auth waiting for an answer, if any
	// late is set when an Auth gave up after its challenge was sent: the
	// card's answer may still come. It is closed when something arrives
	// with no Auth waiting (that answer), or the card or port goes.
	late chan struct{}

	// Owned by the Run goroutine.
	seen    map[string]time.Time // card number → last accepted read
	emitted string               // state of the last reader event emitted
}

// New checks cfg and returns a Reader for it; nothing is opened until Run.
func New(cfg Config) (*Reader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	r := &Reader{
		cfg:  cfg,
		log:  cfg.Logger.With("port", cfg.Port, "format", string(cfg.Format)),
		seen: make(map[string]time.Time),
	}
	r.status = Status{State: StateDown, Port: cfg.Port, Format: cfg.Format}
	return r, nil
}

// Status returns a snapshot of the reader's state and counters.
func (r *Reader) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// Run opens the port and reads it until ctx is done, calling emit for every
// event. emit is called from Run's goroutine, one event at a time; while it
// runs nothing is read (the operating system buffers the line), so it must
// not block for long. When the port cannot be opened or is lost, Run emits
// a "reader" event (state down), waits MinBackoff doubling up to MaxBackoff,
// and reopens it, emitting a "reader" event (state open) when it succeeds.
// Run returns nil when ctx is done, and an error only if it is already
// running.
func (r *Reader) Run(ctx context.Context, emit func(Event)) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("reader: Run is already running")
	}
	defer r.running.Store(false)
	backoff := r.cfg.MinBackoff
	everOpen := false
	for {
		r.setState(StateOpening, nil, emit)
		p, err := openPort(r.cfg)
		if err == nil {
			if everOpen {
				r.update(func(s *Status) { s.Reconnects++ })
			}
			everOpen = true
			var healthy bool
			healthy, err = r.serve(ctx, p, emit)
			p.close()
			if healthy {
				backoff = r.cfg.MinBackoff
			}
		}
		if ctx.Err() != nil {
			r.setState(StateDown, errors.New("reader stopped"), nil)
			return nil
		}
		r.setState(StateDown, err, emit)
		if clock.Sleep(ctx, r.cfg.Clock, backoff) != nil {
			r.setState(StateDown, errors.New("reader stopped"), nil)
			return nil
		}
		backoff = min(2*backoff, r.cfg.MaxBackoff)
	}
}

// update changes the status under the lock.
func (r *Reader) update(f func(*Status)) Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.status)
	return r.status
}

// setState records the state (and err, if any) and, when emit is not nil
// and the state differs from the last one announced, emits a "reader"
// event. "opening" is never announced: a port that keeps failing to open
// gives one "down" event, not one per attempt.
func (r *Reader) setState(state string, err error, emit func(Event)) {
	st := r.update(func(s *Status) {
		s.State = state
		if err != nil {
			s.LastError = err.Error()
		}
	})
	if emit == nil || state == StateOpening || state == r.emitted {
		if state == StateDown && err != nil {
			r.log.Debug("reader still down", "err", err)
		}
		return
	}
	r.emitted = state
	ev := Event{Type: EventReader, Reader: &st, At: r.cfg.Clock.Now()}
	if state == StateDown {
		r.log.Warn("card reader down", "err", err)
		if err != nil {
			ev.Error = err.Error()
		}
	} else {
		r.log.Info("card reader open")
	}
	emit(ev)
}

// readFailed counts a read that gave no card (or scan) and emits a
// "reader" event telling the cashier to try again.
func (r *Reader) readFailed(emit func(Event), err error) {
	st := r.update(func(s *Status) { s.BadReads++ })
	again := "read the card again"
	if r.cfg.Format == FormatScanner {
		again = "scan again"
	}
	r.log.Info("read failed", "err", err)
	emit(Event{Type: EventReader, Reader: &st, Error: fmt.Sprintf("%v; %s", err, again), At: r.cfg.Clock.Now()})
}

// lineKind names a line-based format in errors.
func (r *Reader) lineKind() string {
	if r.cfg.Format == FormatScanner {
		return "scanner"
	}
	return "track 2"
}

// scanned debounces a scanner's line and emits it: the same line read
// again within the debounce window is the same scan.
func (r *Reader) scanned(emit func(Event), line string) {
	now := r.cfg.Clock.Now()
	if !r.accept(line, now) {
		r.log.Debug("repeated scan ignored")
		return
	}
	r.update(func(s *Status) { s.Scans++ })
	emit(Event{Type: EventScan, Scan: line, At: now})
}

// cardRead debounces a decoded card and emits it.
func (r *Reader) cardRead(emit func(Event), c Card) {
	now := r.cfg.Clock.Now()
	if !r.accept(c.CardNo, now) {
		r.log.Debug("repeated card read ignored", "card_no", c.CardNo)
		return
	}
	r.update(func(s *Status) { s.Swipes++ })
	c.ReadAt = now
	emit(Event{Type: EventCard, Card: &c, At: now})
}

// accept reports whether a read of cardNo at now is a new swipe, and if so
// remembers it. Reads older than the debounce window are forgotten.
func (r *Reader) accept(cardNo string, now time.Time) bool {
	for k, t := range r.seen {
		if now.Sub(t) >= r.cfg.Debounce {
			delete(r.seen, k)
		}
	}
	if _, ok := r.seen[cardNo]; ok {
		return false
	}
	r.seen[cardNo] = now
	return true
}

// forget clears the debounce memory: after a card is removed, or the port
// is reopened, the next read of any card is a new swipe.
func (r *Reader) forget() { clear(r.seen) }
