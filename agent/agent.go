// Package agent owns the sale's life cycle at one pharmacy terminal: the
// card in the reader, quotes, charges and voids, and the rule bundle in
// force. It asks policy for every decision, writes every decision and charge
// to the journal before answering, and hands the journal to the sync client.
// It does not speak HTTP (agent/api does) nor the wire (sync/client does).
package agent

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	gosync "sync"
	"sync/atomic"
	"time"

	"posagent/agent/journal"
	"posagent/internal/clock"
	"posagent/policy"
	"posagent/reader"
	"posagent/sync/wire"
)

// Centre is the centre as the agent sees it. agent/daemon adapts the sync
// client to it; the agent knows nothing of the wire's connection.
type Centre interface {
	// Account asks for a card's account and its purchases elsewhere. It
	// fails at once when the centre is not connected.
	Account(ctx context.Context, cardNo, personID string) (wire.AccountInfo, error)
	// WaitSettled waits until the centre has applied seq and returns its
	// settlement. It fails when the connection is lost or ctx ends.
	WaitSettled(ctx context.Context, seq uint64) (wire.Settlement, error)
	// Reconcile sends one day's summary and returns the centre's result.
	// It fails when the centre is not connected or cannot reconcile.
	Reconcile(ctx context.Context, sum wire.DaySummary) (wire.DayResult, error)
	// Kick says new entries are waiting in the journal. It never blocks.
	Kick()
	// Status reports the link to the centre now.
	Status() LinkStatus
	// RedeemVoucher has the centre redeem an e-voucher token (SPEC §10)
	// and returns the card it stands for with its account. A refusal by
	// the centre is a *VoucherRefused; any other error means no answer
	// (not connected, timed out, a centre that does not redeem vouchers).
	RedeemVoucher(ctx context.Context, token string) (wire.VoucherAnswer, error)
}

// LinkStatus is the link to the centre as the agent sees it.
type LinkStatus struct {
	Connected   bool
	LastSync    time.Time // last welcome or acknowledgement from the centre
	LastContact time.Time // last message of any kind from the centre
	LastError   string    // why the last connection failed; "" once connected
	// JournalReplaced: the centre holds more of this terminal's records
	// than the journal (wiped or an older copy); cleared on connect.
	JournalReplaced bool
}

// Config configures an Agent.
type Config struct {
	Terminal  string
	Journal   *journal.Journal
	CentreKey ed25519.PublicKey // verifies bundles and blocklists
	Logger    *slog.Logger
	// Clock tells the time and paces the agent's own timers; default the
	// machine's clock. Location is the pharmacy's zone for days and
	// business hours; default time.Local.
	Clock    clock.Clock
	Location *time.Location
	// Track2Window is how long a track-2 swipe or a redeemed e-voucher
	// stays the current card when no other swipe or scan comes; default 3
	// minutes.
	Track2Window time.Duration
	// AccountWait bounds the account look-up at swipe time; default 1.5 s.
	// SettleWait bounds the wait for the centre to apply a charge before
	// answering the POS; default 2 s. Both bound round trips over the
	// network, so they are real time (context deadlines), whatever Clock
	// is, as socket deadlines are.
	AccountWait time.Duration
	SettleWait  time.Duration
	// ReaderStatus reports the card reader's live state and counters; nil
	// when the terminal has no reader.
	ReaderStatus func() reader.Status
	// Observer is told about swipes, quotes and charges (metrics); nil
	// means nobody is.
	Observer Observer
	// CardSigner asks the card in the reader to sign a charge (SPEC §10).
	// When it is set the agent judges presence: an IC card is taken as
	// proven (and a charge it then does not sign is refused), a track-2
	// swipe pays from the account only up to track2_account_limit. Nil
	// (a terminal embedded without a reader) leaves presence to the
	// centre.
	CardSigner CardSigner
	// ReaderPort is the reader's serial port, for the card-read evidence
	// on each record.
	ReaderPort string
	// ScannerStatus reports the QR scanner's live state and counters, and
	// ScannerPort is its serial port (the card-read evidence of e-voucher
	// sales); nil and "" when the terminal has no scanner.
	ScannerStatus func() reader.Status
	ScannerPort   string
}

// Agent is one terminal's sale logic. Its methods are safe for concurrent
// use; charges and voids are serialised.
type Agent struct {
	cfg    Config
	log    *slog.Logger
	j      *journal.Journal
	centre atomic.Pointer[centreBox]

	bundle    atomic.Pointer[policy.Bundle]
	bundleErr atomic.Pointer[string]
	blocks    blocklist

	cards  cardState
	quotes quoteStore
	events eventHub

	readerStatus  atomic.Pointer[reader.Status]
	scannerStatus atomic.Pointer[reader.Status]
	recon         reconState // daily reconciliation results (reconcile.go)
	obs           Observer

	journalFault atomic.Pointer[string] // why journal.Verify failed at start; nil when it passed

	chargeMu gosync.Mutex // one charge or void at a time
	stopped  bool         // set by Stop under chargeMu: no more charges or voids
}

type centreBox struct{ c Centre }

// New builds an agent over an open journal and restores the persisted
// bundle and blocklist.
func New(cfg Config) (*Agent, error) {
	if cfg.Journal == nil {
		return nil, errors.New("agent: Journal is required")
	}
	if cfg.Terminal == "" {
		return nil, errors.New("agent: Terminal is required")
	}
	if len(cfg.CentreKey) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("agent: CentreKey must be an ed25519 public key (%d bytes), got %d bytes", ed25519.PublicKeySize, len(cfg.CentreKey))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Track2Window <= 0 {
		cfg.Track2Window = 3 * time.Minute
	}
	if cfg.AccountWait <= 0 {
		cfg.AccountWait = 1500 * time.Millisecond
	}
	if cfg.SettleWait <= 0 {
		cfg.SettleWait = 2 * time.Second
	}
	a := &Agent{cfg: cfg, log: cfg.Logger, j: cfg.Journal, obs: cfg.Observer}
	if a.obs == nil {
		a.obs = noObserver{}
	}
	a.quotes.init()
	if err := a.restoreRules(); err != nil {
		return nil, err
	}
	return a, nil
}

// SetCentre connects the agent to the centre's client. Until it is called
// the agent works offline.
func (a *Agent) SetCentre(c Centre) { a.centre.Store(&centreBox{c}) }

func (a *Agent) centreClient() Centre {
	if b := a.centre.Load(); b != nil {
		return b.c
	}
	return nil
}

// now returns the current time in the pharmacy's zone.
func (a *Agent) now() time.Time { return a.cfg.Clock.Now().In(a.cfg.Location) }

// journalReplaced reports whether the centre last refused the journal as
// replaced: its records could not reach the centre, so charges and voids
// are refused (JOURNAL_REPLACED) until the terminal is rebased.
func (a *Agent) journalReplaced() bool {
	c := a.centreClient()
	return c != nil && c.Status().JournalReplaced
}

// connected reports whether the centre is reachable now.
func (a *Agent) connected() bool {
	c := a.centreClient()
	return c != nil && c.Status().Connected
}

// Stop waits for a charge or void in progress to finish and refuses any
// later one, so the journal can then be closed with nothing half-done.
func (a *Agent) Stop() {
	a.chargeMu.Lock()
	a.stopped = true
	a.chargeMu.Unlock()
}
