package centre

import (
	"errors"
	"sync"
)

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
