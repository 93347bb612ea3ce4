package centre

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// ApplyEntries applies one batch of a terminal's entries (ascending seq)
// exactly once per (terminal, seq), in one store transaction, and returns
// the ack for it; an empty batch acks the terminal's current state. A
// batch the store refuses is ErrRefused and nothing of it is applied.
// ackedBefore is the seq the terminal was last acknowledged as far as the
// caller knows: entries at or below it are resent ones, which the store
// skips and the Observer is not told about.
func (c *Centre) ApplyEntries(ctx context.Context, terminal string, ackedBefore uint64, entries []wire.Entry) (wire.Ack, error) {
	if len(entries) == 0 {
		t, err := c.st.Terminal(ctx, terminal)
		if err != nil {
			return wire.Ack{}, fmt.Errorf("terminal %s: %w", terminal, err)
		}
		return wire.Ack{AckedSeq: t.AckedSeq}, nil
	}
	start := c.Now()
	day := start.In(c.cfg.Location).Format(time.DateOnly)
	fresh := 0
	for _, e := range entries {
		if e.Seq > ackedBefore {
			fresh++
		}
	}
	if !c.quota.admits(terminal, day, fresh) {
		c.log.Error("terminal over its daily entry quota: batch not applied", "terminal", terminal,
			"quota", c.cfg.EntryQuota, "day", day, "entries", fresh)
		return wire.Ack{}, fmt.Errorf("%d entries of %s on %s: %w", fresh, terminal, day, ErrOverQuota)
	}
	j, err := c.judging(ctx, start)
	if err != nil {
		return wire.Ack{}, fmt.Errorf("apply %d entries of %s: %w", len(entries), terminal, err)
	}
	c.ledgerMu.RLock()
	res, err := c.st.Apply(ctx, terminal, entries, j)
	c.ledgerMu.RUnlock()
	if err != nil {
		return wire.Ack{}, fmt.Errorf("apply %d entries of %s from seq %d: %w", len(entries), terminal, entries[0].Seq, err)
	}
	c.quota.add(terminal, day, fresh)
	ack := wire.Ack{AckedSeq: res.AckedSeq, Results: res.Results}
	c.observeApplied(entries, ackedBefore, ack, c.Now().Sub(start))
	return ack, nil
}

// observeApplied tells the observer about a batch the store applied: the
// entries past the terminal's acked seq before it (the store applies each
// of those once) and the flags on the settlements of those among them
// that move money.
func (c *Centre) observeApplied(entries []wire.Entry, ackedBefore uint64, ack wire.Ack, took time.Duration) {
	n := 0
	for _, e := range entries {
		if e.Seq > ackedBefore {
			n++
		}
	}
	var flags []string
	for _, r := range ack.Results {
		if r.Seq > ackedBefore { // not an earlier settlement sent again
			flags = append(flags, r.Flags...)
		}
	}
	c.cfg.Observer.Applied(n, flags, took)
}

// AccountInfo is a card's whole account (resident id and name included)
// and its purchases in the history window (Config.HistoryDays back from
// now), for supervisors. A terminal is not given this: its look-ups go
// through Lookup. Naming a terminal leaves out that terminal's own
// purchases.
func (c *Centre) AccountInfo(ctx context.Context, cardNo, terminal string) (wire.AccountInfo, error) {
	info, err := c.accountInfo(ctx, cardNo, terminal, c.since())
	if err != nil {
		return info, err
	}
	source := LookupAgent
	if terminal == "" {
		source = LookupSupervisor
	}
	c.cfg.Observer.LookedUp(source)
	return info, nil
}

// accountInfo reads a card's account and its purchases since a time,
// oldest first, those of terminal (when named) left out.
func (c *Centre) accountInfo(ctx context.Context, cardNo, terminal string, since time.Time) (wire.AccountInfo, error) {
	info := wire.AccountInfo{Holder: policy.Holder{CardNo: cardNo}}
	h, err := c.st.Account(ctx, cardNo)
	switch {
	case err == nil:
		info.Found, info.Holder = true, h
	case !errors.Is(err, store.ErrNotFound):
		return info, fmt.Errorf("account %s: %w", cardNo, err)
	}
	history, err := c.st.CardHistory(ctx, cardNo, since)
	if err != nil {
		return info, fmt.Errorf("history of %s: %w", cardNo, err)
	}
	for _, p := range history {
		if terminal == "" || p.Terminal != terminal {
			info.History = append(info.History, p)
		}
	}
	return info, nil
}

// DefaultEntryQuota is how many new journal entries one terminal may have
// applied in one local day when Config.EntryQuota is zero: far above a
// busy counter's day (quotes included), far below what a forging
// terminal would need to flood the ledger.
const DefaultEntryQuota = 20000

// ErrOverQuota means a terminal sent more entries in a day than
// Config.EntryQuota: the batch is not applied; the terminal's outbox
// waits (its sales go on within the offline limits) and is taken again
// the next day, or after supervisors look at it and raise the quota.
var ErrOverQuota = errors.New("terminal over its daily entry quota")

// entryQuota counts each terminal's new entries per local day, in memory
// (a restart of the centre starts the count again: the quota bounds
// floods, it is not a ledger).
type entryQuota struct {
	mu     sync.Mutex
	limit  int
	byTerm map[string]dayCount
}

type dayCount struct {
	day string
	n   int
}

// admits reports whether terminal may have n more entries applied on day.
func (q *entryQuota) admits(terminal, day string, n int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := q.byTerm[terminal]
	if c.day != day {
		c = dayCount{day: day}
	}
	return n == 0 || c.n+n <= q.limit
}

// add counts n entries of terminal applied on day.
func (q *entryQuota) add(terminal, day string, n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.byTerm == nil {
		q.byTerm = map[string]dayCount{}
	}
	c := q.byTerm[terminal]
	if c.day != day {
		c = dayCount{day: day}
	}
	c.n += n
	q.byTerm[terminal] = c
}
