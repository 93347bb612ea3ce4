package policy

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// sortedHistory returns ps ordered by At. History should arrive oldest
// first; if it does not, a sorted copy is made so the window searches stay
// correct. The check runs on every evaluation over the whole history, so it
// compares Unix seconds and nanoseconds (several times faster than
// time.Time.Before).
func sortedHistory(ps []Purchase) []Purchase {
	if len(ps) < 2 {
		return ps
	}
	prev := ps[0].At.Unix()
	for i := 1; i < len(ps); i++ {
		s := ps[i].At.Unix()
		if s < prev || (s == prev && ps[i].At.Nanosecond() < ps[i-1].At.Nanosecond()) {
			ps = slices.Clone(ps)
			slices.SortStableFunc(ps, func(a, b Purchase) int {
				return cmp.Or(cmp.Compare(a.At.Unix(), b.At.Unix()), cmp.Compare(a.At.Nanosecond(), b.At.Nanosecond()))
			})
			return ps
		}
		prev = s
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

// milliday is one thousandth of a day.
const milliday = 86400 * time.Millisecond

// supply is the walk over one code's earlier purchases.
type supply struct {
	seen         bool
	coveredUntil time.Time
	last         int   // index of the most recent purchase of the code
	lastDays     int64 // its days of supply in millidays
}

// add records days of supply bought at at, in purchase index p.
func (s *supply) add(p int, at time.Time, days int64) {
	days = min(max(days, 0), maxWholeDays*1000)
	if !s.seen || s.coveredUntil.Before(at) {
		s.coveredUntil = at
	}
	s.coveredUntil = s.coveredUntil.Add(time.Duration(days) * milliday)
	if s.seen && s.last == p {
		s.lastDays = min(s.lastDays+days, maxWholeDays*1000)
	} else {
		s.last, s.lastDays = p, days
	}
	s.seen = true
}

// tracked is one code of the cart whose history matters: its supply
// (days_per_unit > 0) or its watch-list units.
type tracked struct {
	code    string
	supply  bool
	walk    supply
	watched bool
	watch   WatchRule
	since   time.Time // start of the watch window
	units   int64     // units bought in the watch window
}

// checkHistory adds the line reasons that need the card's history, in one
// pass over the history window: SPLIT_SUPPLY_OVERLAP to lines whose drug
// the holder still has too much of, WATCHLIST_LIMIT to lines that take a
// watched code over its limit. Only the cart's codes are looked for.
func (e *evaluation) checkHistory(items []*Item) {
	var buf [8]tracked
	ts := buf[:0]
	if len(items) > len(buf) {
		ts = make([]tracked, 0, len(items))
	}
	for _, it := range items {
		if it == nil || indexTracked(ts, it.Code) >= 0 {
			continue
		}
		w, watched := e.rules.Watch[it.Code]
		if it.DaysPerUnit <= 0 && !watched {
			continue
		}
		t := tracked{code: it.Code, supply: it.DaysPerUnit > 0, watched: watched, watch: w}
		if watched {
			t.since = e.in.Now.Add(-w.Window())
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return
	}
	var seen codeSet // most history items are of other codes: reject them cheaply
	for i := range ts {
		seen.add(ts[i].code)
	}
	recent := e.recent()
	for p := range recent {
		pu := &recent[p]
		for k := range pu.Items {
			if !seen.mayHave(pu.Items[k].Code) {
				continue
			}
			j := indexTracked(ts, pu.Items[k].Code)
			if j < 0 {
				continue
			}
			t := &ts[j]
			if t.supply {
				t.walk.add(p, pu.At, pu.Items[k].Days)
			}
			if t.watched && !pu.At.Before(t.since) {
				t.units += max(pu.Items[k].Qty, 0)
			}
		}
	}
	for i, it := range items {
		if it == nil {
			continue
		}
		j := indexTracked(ts, it.Code)
		if j < 0 {
			continue
		}
		if t := &ts[j]; t.supply && t.walk.seen {
			e.checkOverlap(i, t.code, &t.walk, recent[t.walk.last].At)
		}
		if t := &ts[j]; t.watched {
			e.checkWatch(i, t)
		}
	}
}

// checkOverlap trips when the supply left at Now is more than the share of
// the last purchase's supply the refill threshold allows to remain.
func (e *evaluation) checkOverlap(i int, code string, w *supply, lastAt time.Time) {
	bp := min(max(e.rules.RefillThresholdBP, 0), 10000) // hand-built rules may be out of range
	remainingMs := w.coveredUntil.Sub(e.in.Now).Milliseconds()
	// remaining > lastDays × (10000−bp)/10000, in milliseconds, exactly.
	if remainingMs*10000 <= w.lastDays*86400*(10000-bp) {
		return
	}
	e.addLine(i, SplitSupplyOverlap, evStr("code", code), evTime("last_purchase_at", lastAt),
		evDays("remaining_days", remainingMs/86400), evDays("supply_days", w.lastDays),
		evInt("threshold_bp", bp), evBool("partial_history", e.in.History.Partial))
}

// checkWatch trips when the card's units of a watched code in the watch
// window, plus this cart's up to and including line i, exceed the limit.
// Windows longer than history_days see only that much history (ParseRules
// refuses them).
func (e *evaluation) checkWatch(i int, t *tracked) {
	var qty int64
	for j := 0; j <= i; j++ {
		if e.in.Lines[j].Code == t.code {
			qty += max(e.in.Lines[j].Qty, 0)
		}
	}
	if t.units+qty <= t.watch.Qty {
		return
	}
	e.addLine(i, WatchlistLimit, evStr("code", t.code), evInt("qty", qty), evInt("earlier", t.units),
		evInt("limit", t.watch.Qty), evInt("days", t.watch.Days), evBool("partial_history", e.in.History.Partial))
}

// codeSet is a 256-bit filter of codes: mayHave is false for a code never
// added, and rarely true for one not added.
type codeSet [4]uint64

// codeHash mixes a code's length and last two bytes: codes mostly share
// their start (D0001, D0028) and differ at the end.
func codeHash(code string) uint8 {
	n := len(code)
	h := uint8(n)
	if n > 0 {
		h ^= code[n-1] * 31
	}
	if n > 1 {
		h ^= code[n-2] << 3
	}
	return h
}

func (s *codeSet) add(code string) {
	h := codeHash(code)
	s[h>>6] |= 1 << (h & 63)
}

func (s *codeSet) mayHave(code string) bool {
	h := codeHash(code)
	return s[h>>6]&(1<<(h&63)) != 0
}

// indexTracked returns the index of code in ts, or -1. Codes mostly share
// their start (D0001, D0028), so the last byte rejects most others cheaply.
func indexTracked(ts []tracked, code string) int {
	n := len(code)
	for i := range ts {
		c := ts[i].code
		if len(c) == n && (n == 0 || c[n-1] == code[n-1]) && c == code {
			return i
		}
	}
	return -1
}
