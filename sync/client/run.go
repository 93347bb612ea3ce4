package client

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"posagent/internal/clock"
)

const (
	// pollInterval is how often the outbox is checked without a Kick.
	pollInterval = time.Second
	// stableAfter is how long a connection must last for the backoff to
	// start again from MinBackoff (progress resets it too).
	stableAfter = 10 * time.Second
)

// Run connects to the centre, syncs, and reconnects with backoff until ctx
// ends; then it closes the connection, waits for its goroutines and returns
// nil (an OfferSigned call in progress is waited for). Only one Run may be
// active at a time.
func (c *Client) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("sync client: Run is already running")
	}
	defer c.running.Store(false)
	b := newBackoff(c.cfg.MinBackoff, c.cfg.MaxBackoff)
	for {
		healthy, err := c.connectOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if healthy {
			b.reset()
		}
		c.noteFailure(err)
		if clock.Sleep(ctx, c.cfg.Clock, b.next()) != nil {
			return nil
		}
	}
}

// connectOnce runs one connection from dial to loss. It reports whether the
// connection was healthy (made progress or lasted stableAfter) and why it
// ended.
func (c *Client) connectOnce(ctx context.Context) (healthy bool, err error) {
	ws, err := c.dial(ctx)
	if err != nil {
		return false, err
	}
	s := newSession(c, ws)
	watched := make(chan struct{})
	stopWatch := context.AfterFunc(ctx, func() { defer close(watched); s.fail(context.Cause(ctx)) })
	defer func() {
		if !stopWatch() {
			<-watched // the watcher ran: let it finish before Run returns
		}
	}()
	defer s.stop()

	w, err := s.handshake()
	if err != nil {
		return false, err
	}
	if err := c.adopt(w); err != nil {
		return false, err
	}
	up := c.cfg.Clock.Now()
	c.attach(s, w)
	s.start()
	progressed, err := s.pump(ctx, w.AckedSeq)
	if ctx.Err() != nil {
		c.detach(s, nil) // stopped, not failed
	} else {
		c.detach(s, err)
	}
	return progressed || c.cfg.Clock.Now().Sub(up) >= stableAfter, err
}

// noteFailure records why a connection attempt or connection ended, and
// logs it: at error level when an operator must act, else as a warning.
func (c *Client) noteFailure(err error) {
	if err == nil {
		err = errSessionDone
	}
	c.mu.Lock()
	c.status.LastError = err.Error()
	c.status.JournalReplaced = errors.Is(err, ErrJournalReplaced)
	c.broadcast()
	c.mu.Unlock()
	level := slog.LevelWarn
	if errors.Is(err, ErrTokenRefused) || errors.Is(err, ErrJournalReplaced) {
		level = slog.LevelError
	}
	if !c.logged.worth(err.Error(), c.cfg.Clock.Now()) {
		level = slog.LevelDebug
	}
	c.log.Log(context.Background(), level, "centre connection failed; retrying with backoff", "err", err)
}

// failureLog keeps a long outage from logging every attempt: the same
// error is logged at its level once a minute, and at debug level between.
type failureLog struct {
	last string
	at   time.Time
}

const repeatLogEvery = time.Minute

// worth reports whether msg should be logged at its own level now.
func (f *failureLog) worth(msg string, now time.Time) bool {
	if msg == f.last && now.Sub(f.at) < repeatLogEvery {
		return false
	}
	f.last, f.at = msg, now
	return true
}

// touch records that the centre was heard from.
func (c *Client) touch() {
	now := c.cfg.Clock.Now()
	c.mu.Lock()
	c.status.LastContact = now
	c.mu.Unlock()
}

func (c *Client) newID() string {
	return strconv.FormatUint(c.nextID.Add(1), 10)
}
