package policy

import (
	"slices"
	"sort"
	"time"
)

// sortedHistory returns ps ordered by At. History should arrive oldest
// first; if it does not, a sorted copy is made so the window searches stay
// correct.
func sortedHistory(ps []Purchase) []Purchase {
	for i := 1; i < len(ps); i++ {
		if ps[i].At.Before(ps[i-1].At) {
			ps = slices.Clone(ps)
			slices.SortStableFunc(ps, func(a, b Purchase) int { return a.At.Compare(b.At) })
			return ps
		}
	}
	return ps
}

// firstAtOrAfter returns the index of the first purchase at or after t.
func firstAtOrAfter(ps []Purchase, t time.Time) int {
	return sort.Search(len(ps), func(i int) bool { return !ps[i].At.Before(t) })
}

// today returns the purchases on Now's local calendar day.
func (e *evaluation) today() []Purchase {
	now := e.in.Now
	y, m, d := now.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	end := time.Date(y, m, d+1, 0, 0, 0, 0, now.Location())
	return e.hist[firstAtOrAfter(e.hist, start):firstAtOrAfter(e.hist, end)]
}

// recent returns the purchases within the rules' history window before
// Now (and any after it).
func (e *evaluation) recent() []Purchase {
	since := e.in.Now.Add(-e.rules.HistoryWindow())
	return e.hist[firstAtOrAfter(e.hist, since):]
}
