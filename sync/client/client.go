// Package client is the agent's end of the sync with the centre. It dials
// the centre's websocket, says hello, uploads the journal's outbox in
// acknowledged batches (one in flight), answers account look-ups, hands
// signed rule bundles and blocklist deltas to the agent, and reconnects with
// backoff and full jitter.
//
// It does not own the journal's storage (it sees it through Outbox) nor the
// sale (it sees the agent through Handler), and it never imports either.
package client

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"posagent/sync/wire"
)

// ErrOffline means the centre is not connected (or the connection was lost
// while waiting). Account and WaitSettled return it unwrapped.
var ErrOffline = errors.New("centre not connected")

// ErrTokenRefused means the centre answered the upgrade with 401 or 403:
// the terminal is not enrolled or its token is wrong.
var ErrTokenRefused = errors.New("centre refused the terminal token")

// ErrJournalReplaced means the centre has applied more of this terminal's
// entries than the journal holds: the journal was replaced or restored from
// an old copy. Syncing it would lose its new sales silently (the centre
// skips seqs it already applied), so the client refuses until an operator
// rebases the terminal at the centre (`centre terminal rebase`) and the
// journal, if still empty, continues from there.
var ErrJournalReplaced = errors.New("journal is behind the centre: the journal was replaced or restored")

// Outbox is the journal as the client sees it. The client calls it from one
// goroutine at a time.
type Outbox interface {
	// Entries returns up to max entries with seq > after, ascending.
	Entries(after uint64, max int) ([]wire.Entry, error)
	// LastSeq is the highest seq journaled (0: none).
	LastSeq() uint64
	// Acked is the highest seq the centre acknowledged.
	Acked() uint64
	// SetAcked records the centre's acknowledgement durably. The centre is
	// authoritative: the value may be lower than before (then entries are
	// sent again from there).
	SetAcked(seq uint64) error
}

// Rebaser is an Outbox that can start an empty journal after a given seq
// and hash (journal.Journal.Rebase); the client uses it when the centre's
// welcome carries a Rebase.
type Rebaser interface {
	Rebase(seq uint64, hash string) error
}

// Handler is the agent as the client sees it.
type Handler interface {
	// Versions returns the rule bundle and blocklist versions active now.
	Versions() (rules, blocklist int64)
	// OfferSigned verifies, persists and activates a signed bundle or
	// blocklist delta; it returns the version active afterwards, and an
	// error saying why the document was refused.
	OfferSigned(s wire.Signed) (active int64, err error)
}

// Status is the connection's state for the agent's status page.
type Status struct {
	Connected   bool      `json:"connected"`
	LastSync    time.Time `json:"last_sync"`    // last welcome or ack
	LastContact time.Time `json:"last_contact"` // last message or pong from the centre
	AckedSeq    uint64    `json:"acked_seq"`
	LastError   string    `json:"last_error"` // why the last connection failed; cleared on connect
	Reconnects  uint64    `json:"reconnects"` // connections made after the first
	// JournalReplaced is set while the last connection failed with
	// ErrJournalReplaced; cleared on connect.
	JournalReplaced bool `json:"journal_replaced,omitempty"`
}

// Client syncs one terminal's journal with the centre. Create it with New
// and start it with Run; the other methods are safe for concurrent use,
// before, during and after Run.
type Client struct {
	cfg     Config
	url     string
	log     *slog.Logger
	kick    chan struct{}
	nextID  atomic.Uint64
	running atomic.Bool
	batch   int // entries per batch now; owned by the Run goroutine
	logged  failureLog

	mu        sync.Mutex
	sess      *session      // the live session; nil when not connected
	epoch     uint64        // counts connects and disconnects
	changed   chan struct{} // closed and replaced on every change of state
	status    Status
	connected uint64 // connections made so far
	settled   settlements
}

// New checks cfg, fills in its defaults and returns a client that is not
// yet running. Errors name the field at fault.
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	url, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:     cfg,
		url:     url,
		log:     cfg.Logger.With("component", "sync", "terminal", cfg.Terminal),
		kick:    make(chan struct{}, 1),
		changed: make(chan struct{}),
		settled: newSettlements(maxSettlements),
		batch:   wire.MaxBatch,
	}
	c.status.AckedSeq = cfg.Outbox.Acked()
	return c, nil
}

// Kick says new entries are in the outbox, so they are sent soon rather than
// at the next poll. It never blocks.
func (c *Client) Kick() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Status returns the connection's state now.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.status
	st.Connected = c.sess != nil
	return st
}

// current returns the live session, or nil.
func (c *Client) current() *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}

// broadcast wakes every WaitSettled. The caller holds c.mu.
func (c *Client) broadcast() {
	close(c.changed)
	c.changed = make(chan struct{})
}
