package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	gosync "sync"
	"time"

	"posagent/agent/journal"
	"posagent/sync/wire"
)

// Daily reconciliation (对账): for every local day that has ended, the
// agent summarises its journal (charges, voids, sums, seq range) and the
// centre compares it with what it holds. A day is sent only once every
// record of it has been acknowledged, so a backlog is never a false
// mismatch. The sync client asks DueSummaries once a second while
// connected and hands the answers to Reconciled; an operator can reconcile
// any day, today included, with Reconcile.

const (
	// stateReconcile is the journal state key of the kept results.
	stateReconcile = "reconciliation"
	// reconcileBackDays is how far back ended days are reconciled
	// automatically (an agent offline longer reconciles the rest on demand).
	reconcileBackDays = 7
	// reconcileKeepDays is how long results are kept for the status.
	reconcileKeepDays = 31
	// reconcileAckWait bounds how long Reconcile waits for the day's last
	// records to be acknowledged: a network wait, in real time.
	reconcileAckWait = 5 * time.Second
)

// DayReconciliation is one day's reconciliation as the agent keeps it.
type DayReconciliation struct {
	Day         string          `json:"day"`
	Match       bool            `json:"match"`
	Differences []string        `json:"differences"` // "what: agent X, centre Y"
	Agent       wire.DaySummary `json:"agent"`
	Centre      wire.DaySummary `json:"centre"`
	At          time.Time       `json:"at"` // when the centre answered
	// Final is false for a day reconciled on demand before it ended; such a
	// day is reconciled again once it has.
	Final bool `json:"final"`
}

// ReconcileStatus is the reconciliation part of GET /v1/status: the latest
// day reconciled, and every kept day whose reconciliation did not match, so
// a later good day does not hide an earlier mismatch.
type ReconcileStatus struct {
	LastDay      string   `json:"last_day"` // "" before the first
	Match        bool     `json:"match"`
	Differences  []string `json:"differences"`
	MismatchDays []string `json:"mismatch_days"` // newest first
}

// reconState holds the kept results, loaded from the journal on first use.
type reconState struct {
	mu     gosync.Mutex
	loaded bool
	days   map[string]DayReconciliation
	clear  string // the date on which every ended day in the window was final
}

// DueSummaries returns the summaries of the ended days of the last
// reconcileBackDays (none before the journal's first record) that have no
// final result yet and whose records the centre has all acknowledged. Once
// every such day is final it costs nothing until the next midnight.
func (a *Agent) DueSummaries() ([]wire.DaySummary, error) {
	loc := a.cfg.Location
	today, todayFrom, _ := wire.DayBounds(a.now(), loc)
	a.recon.mu.Lock()
	defer a.recon.mu.Unlock()
	if err := a.loadReconLocked(); err != nil {
		return nil, err
	}
	if a.recon.clear == today {
		return nil, nil
	}
	start, err := a.firstReconcileDay(todayFrom)
	if errors.Is(err, journal.ErrNotFound) {
		a.recon.clear = today
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reconcile: %w", err)
	}
	var due []wire.DaySummary
	waiting := false
	for d := start; d.Before(todayFrom); {
		day, from, to := wire.DayBounds(d, loc)
		d = to
		if r, ok := a.recon.days[day]; ok && r.Final {
			continue
		}
		sum, ready, err := a.acknowledgedDay(from, to)
		if err != nil {
			return nil, fmt.Errorf("reconcile %s: %w", day, err)
		}
		if !ready {
			waiting = true
			continue
		}
		due = append(due, sum)
	}
	if len(due) == 0 && !waiting {
		a.recon.clear = today
	}
	return due, nil
}

// firstReconcileDay is the first day to look at: reconcileBackDays before
// today, or the day of the journal's first record if later.
func (a *Agent) firstReconcileDay(todayFrom time.Time) (time.Time, error) {
	first, err := a.j.FirstAt()
	if err != nil {
		return time.Time{}, err
	}
	_, start, _ := wire.DayBounds(todayFrom.AddDate(0, 0, -reconcileBackDays), a.cfg.Location)
	if _, f, _ := wire.DayBounds(first, a.cfg.Location); f.After(start) {
		start = f
	}
	return start, nil
}

// acknowledgedDay summarises [from, to) if the centre has acknowledged
// every record of it. While the backlog starts before the day ends, the
// day is not even read: its records may be among the unsynced.
func (a *Agent) acknowledgedDay(from, to time.Time) (wire.DaySummary, bool, error) {
	if n, oldest := a.j.Backlog(); n > 0 && !oldest.IsZero() && oldest.Before(to) {
		return wire.DaySummary{}, false, nil
	}
	sum, err := a.j.DaySummary(from, to)
	if err != nil {
		return wire.DaySummary{}, false, err
	}
	return sum, sum.LastSeq <= a.j.Acked(), nil
}

// Reconciled records the centre's answer to a summary DueSummaries gave.
func (a *Agent) Reconciled(sum wire.DaySummary, res wire.DayResult) {
	a.recordReconciliation(sum, res, !a.now().Before(sum.To))
}

// Reconcile reconciles one local day with the centre now, for an
// operator: an ended day, or today so far. It waits a few seconds for the
// day's last records to be acknowledged and refuses when they are not
// (RECONCILE_BACKLOG) or the centre is not connected (CENTRE_OFFLINE).
func (a *Agent) Reconcile(ctx context.Context, day time.Time) (DayReconciliation, error) {
	now := a.now()
	name, from, to := wire.DayBounds(day, a.cfg.Location)
	if from.After(now) {
		return DayReconciliation{}, badRequest("day %s has not begun", name)
	}
	c := a.centreClient()
	if c == nil || !c.Status().Connected {
		return DayReconciliation{}, newError(CodeCentreOffline, nil)
	}
	sum, err := a.j.DaySummary(from, to)
	if err != nil {
		return DayReconciliation{}, newError(CodeInternal, fmt.Errorf("reconcile %s: %w", name, err))
	}
	if sum.LastSeq > a.j.Acked() {
		wctx, cancel := context.WithTimeout(ctx, reconcileAckWait)
		_, err := c.WaitSettled(wctx, sum.LastSeq)
		cancel()
		if err != nil {
			return DayReconciliation{}, newError(CodeReconBacklog, fmt.Errorf("reconcile %s: seq %d: %w", name, sum.LastSeq, err))
		}
	}
	res, err := c.Reconcile(ctx, sum)
	if err != nil {
		return DayReconciliation{}, newError(CodeCentreOffline, fmt.Errorf("reconcile %s: %w", name, err))
	}
	return a.recordReconciliation(sum, res, !now.Before(to)), nil
}

// recordReconciliation keeps a result, logs a mismatch at error level and
// returns the result. The agent checks the centre's summary against its own
// rather than trusting the centre's verdict alone.
func (a *Agent) recordReconciliation(sum wire.DaySummary, res wire.DayResult, final bool) DayReconciliation {
	diffs := wire.CompareDays(sum, res.Centre)
	match := res.Match && len(diffs) == 0
	if !match && len(diffs) == 0 {
		diffs = slices.Clone(res.Differences)
	}
	if diffs == nil {
		diffs = []string{}
	}
	r := DayReconciliation{Day: sum.Day, Match: match, Differences: diffs, Agent: sum, Centre: res.Centre,
		At: a.now(), Final: final}
	a.recon.mu.Lock()
	err := a.loadReconLocked()
	if err == nil {
		err = a.keepReconLocked(r)
	}
	a.recon.mu.Unlock()
	if err != nil {
		a.log.Error("daily reconciliation: result not kept", "day", r.Day, "err", err)
	}
	if match {
		a.log.Info("daily reconciliation matches", "day", r.Day, "charges", sum.Charges, "account", sum.Account)
	} else {
		a.log.Error("daily reconciliation MISMATCH: the centre's records differ from the journal",
			"day", r.Day, "differences", diffs)
	}
	return r
}

// loadReconLocked reads the kept results once. The caller holds recon.mu.
func (a *Agent) loadReconLocked() error {
	if a.recon.loaded {
		return nil
	}
	days := map[string]DayReconciliation{}
	raw, err := a.j.State(stateReconcile)
	switch {
	case errors.Is(err, journal.ErrNotFound):
	case err != nil:
		return fmt.Errorf("load reconciliation results: %w", err)
	default:
		if err := json.Unmarshal(raw, &days); err != nil {
			// Unreadable results are redone, not fatal.
			a.log.Error("daily reconciliation: stored results unreadable; days will be reconciled again", "err", err)
			days = map[string]DayReconciliation{}
		}
	}
	a.recon.days, a.recon.loaded = days, true
	return nil
}

// keepReconLocked stores r, forgetting days older than reconcileKeepDays.
// The caller holds recon.mu and has loaded the results.
func (a *Agent) keepReconLocked(r DayReconciliation) error {
	days := maps.Clone(a.recon.days)
	days[r.Day] = r
	oldest := a.now().AddDate(0, 0, -reconcileKeepDays).Format(time.DateOnly)
	maps.DeleteFunc(days, func(day string, _ DayReconciliation) bool { return day < oldest })
	raw, err := json.Marshal(days)
	if err != nil {
		return fmt.Errorf("encode reconciliation results: %w", err)
	}
	if err := a.j.PutState(stateReconcile, raw); err != nil {
		return err
	}
	a.recon.days = days
	return nil
}

// reconcileStatus is the status's view of the kept results.
func (a *Agent) reconcileStatus() ReconcileStatus {
	st := ReconcileStatus{Differences: []string{}, MismatchDays: []string{}}
	a.recon.mu.Lock()
	defer a.recon.mu.Unlock()
	if err := a.loadReconLocked(); err != nil {
		a.log.Error("daily reconciliation: status", "err", err)
		return st
	}
	days := slices.Sorted(maps.Keys(a.recon.days))
	slices.Reverse(days)
	for i, day := range days {
		r := a.recon.days[day]
		if i == 0 {
			st.LastDay, st.Match, st.Differences = day, r.Match, slices.Clone(r.Differences)
		}
		if !r.Match {
			st.MismatchDays = append(st.MismatchDays, day)
		}
	}
	return st
}
