package agent

import (
	"fmt"
	"time"

	"posagent/internal/clock"
	"posagent/policy"
	"posagent/reader"
	"posagent/sync/wire"
)

// Status is the answer of GET /v1/status.
type Status struct {
	Terminal string        `json:"terminal"`
	Reader   reader.Status `json:"reader"`
	// Scanner is the QR scanner's state and counters; nil without one.
	Scanner         *reader.Status  `json:"scanner,omitempty"`
	Centre          CentreStatus    `json:"centre"`
	Rules           RulesStatus     `json:"rules"`
	Backlog         BacklogStatus   `json:"backlog"`
	OfflineExposure ExposureStatus  `json:"offline_exposure"`
	Journal         JournalStatus   `json:"journal"`
	Blocklist       BlocklistStatus `json:"blocklist"`
	Reconciliation  ReconcileStatus `json:"reconciliation"`
}

// CentreStatus is the sync connection as the POS sees it.
type CentreStatus struct {
	Connected bool      `json:"connected"`
	LastSync  time.Time `json:"last_sync"`
	LastError string    `json:"last_error,omitempty"`
	// Advice is what the pharmacy must do about the link, in both
	// languages (JOURNAL_REPLACED: call the centre for a rebase); nil when
	// nothing.
	Advice *Error `json:"advice,omitempty"`
}

// RulesStatus is the active bundle.
type RulesStatus struct {
	Version   int64     `json:"version"`
	IssuedAt  time.Time `json:"issued_at"`
	AgeS      int64     `json:"age_s"`
	Stale     bool      `json:"stale"`
	LastError string    `json:"last_error,omitempty"` // why the last offered bundle was refused
}

// BacklogStatus is what has not reached the centre.
type BacklogStatus struct {
	Unsynced   uint64 `json:"unsynced"`
	OldestAgeS int64  `json:"oldest_age_s"`
}

// ExposureStatus is the account money charged offline and not yet applied.
type ExposureStatus struct {
	TerminalFen int64 `json:"terminal_fen"`
	LimitFen    int64 `json:"limit_fen"`
}

// JournalStatus describes the local journal.
type JournalStatus struct {
	LastSeq uint64 `json:"last_seq"`
	Acked   uint64 `json:"acked"`
	// Damaged is why journal.Verify failed at start; while set, charges and
	// voids are refused (JOURNAL_DAMAGED) and /healthz fails.
	Damaged string `json:"damaged,omitempty"`
}

// BlocklistStatus is the active blocklist version.
type BlocklistStatus struct {
	Version int64 `json:"version"`
}

// Status reports the terminal's state.
func (a *Agent) Status() Status {
	now := a.now()
	st := Status{Terminal: a.cfg.Terminal}
	if a.cfg.ReaderStatus != nil {
		st.Reader = a.cfg.ReaderStatus()
	} else if rs := a.readerStatus.Load(); rs != nil {
		st.Reader = *rs
	} else {
		st.Reader = reader.Status{State: "none"}
	}
	if a.cfg.ScannerStatus != nil {
		sc := a.cfg.ScannerStatus()
		st.Scanner = &sc
	} else if ss := a.scannerStatus.Load(); ss != nil {
		sc := *ss
		st.Scanner = &sc
	}
	if c := a.centreClient(); c != nil {
		cs := c.Status()
		st.Centre = CentreStatus{Connected: cs.Connected, LastSync: cs.LastSync, LastError: cs.LastError}
		if cs.JournalReplaced {
			st.Centre.Advice = newError(CodeJournalReplaced, nil)
		}
	} else {
		st.Centre.LastError = "no centre configured"
	}
	if b := a.bundle.Load(); b != nil {
		st.Rules = RulesStatus{Version: b.Version, IssuedAt: b.IssuedAt, AgeS: int64(now.Sub(b.IssuedAt) / time.Second)}
		st.Rules.Stale = a.rulesStale(b, now)
		st.OfflineExposure.LimitFen = b.Rules.OfflineTerminalLimit
	}
	if e := a.bundleErr.Load(); e != nil {
		st.Rules.LastError = *e
	}
	n, oldest := a.j.Backlog()
	st.Backlog.Unsynced = n
	if n > 0 && !oldest.IsZero() {
		st.Backlog.OldestAgeS = int64(now.Sub(oldest) / time.Second)
	}
	_, st.OfflineExposure.TerminalFen = a.j.Unsynced("")
	st.Journal = JournalStatus{LastSeq: a.j.LastSeq(), Acked: a.j.Acked()}
	if f := a.journalFault.Load(); f != nil {
		st.Journal.Damaged = *f
	}
	st.Blocklist.Version = a.blocks.currentVersion()
	st.Reconciliation = a.reconcileStatus()
	return st
}

// rulesStale says whether the bundle is past stale_after_h without contact.
func (a *Agent) rulesStale(b *policy.Bundle, now time.Time) bool {
	if a.connected() || b.Rules.StaleAfterH <= 0 {
		return false
	}
	ref := b.IssuedAt
	if lc := a.lastContact(); lc.After(ref) {
		ref = lc
	}
	return now.Sub(ref) > time.Duration(b.Rules.StaleAfterH)*time.Hour
}

// Transaction is one row of GET /v1/transactions.
type Transaction struct {
	TxnID    string          `json:"txn_id"`
	Seq      uint64          `json:"seq"`
	Kind     string          `json:"kind"`
	At       time.Time       `json:"at"`
	CardNo   string          `json:"card_no"`
	Cashier  string          `json:"cashier"`
	Total    int64           `json:"total"`
	Account  int64           `json:"account"`
	Cash     int64           `json:"cash"`
	Reasons  []policy.Reason `json:"reasons"`
	Synced   bool            `json:"synced"`
	Reverses string          `json:"reverses,omitempty"`
	Offline  bool            `json:"offline,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// Transactions lists one local day's charges, voids and refusals, for one
// card or all.
func (a *Agent) Transactions(day time.Time, cardNo string) ([]Transaction, error) {
	y, m, d := day.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, a.cfg.Location)
	recs, err := a.j.Day(start, cardNo)
	if err != nil {
		return nil, newError(CodeInternal, fmt.Errorf("list transactions: %w", err))
	}
	out := make([]Transaction, 0, len(recs))
	for _, r := range recs {
		out = append(out, transactionOf(r, a.j.Synced(r.Seq)))
	}
	return out, nil
}

func transactionOf(r wire.Record, synced bool) Transaction {
	return Transaction{
		TxnID: r.TxnID, Seq: r.Seq, Kind: r.Kind, At: r.At, CardNo: r.CardNo, Cashier: r.Cashier,
		Total: r.Total, Account: r.Account, Cash: r.Cash, Reasons: r.Reasons, Synced: synced,
		Reverses: r.Reverses, Offline: r.Offline, Error: r.Error,
	}
}

// Location is the pharmacy's time zone.
func (a *Agent) Location() *time.Location { return a.cfg.Location }

// Now is the agent's clock in the pharmacy's zone.
func (a *Agent) Now() time.Time { return a.now() }

// Clock is the agent's clock, for the parts serving it (the POS API's
// pings, the cashier page's sessions) to keep the same time.
func (a *Agent) Clock() clock.Clock { return a.cfg.Clock }
