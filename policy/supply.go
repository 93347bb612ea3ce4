package policy

import "time"

// milliday is one thousandth of a day.
const milliday = 86400 * time.Millisecond

// supply is the walk over one code's earlier purchases.
type supply struct {
	seen         bool
	coveredUntil time.Time
	last         int // index of the most recent purchase of the code
	lastAt       time.Time
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
		s.last, s.lastAt, s.lastDays = p, at, days
	}
	s.seen = true
}

// checkSupply adds SPLIT_SUPPLY_OVERLAP to lines whose drug the holder
// still has too much of. Only codes in the cart with a days-of-supply limit
// are looked up, in one pass over the history window.
func (e *evaluation) checkSupply() {
	var codes []string
	for i, it := range e.items {
		if it != nil && it.DaysPerUnit > 0 && !contains(codes, e.in.Lines[i].Code) {
			codes = append(codes, e.in.Lines[i].Code)
		}
	}
	if len(codes) == 0 {
		return
	}
	walks := make([]supply, len(codes))
	recent := e.recent()
	for p := range recent {
		for _, pi := range recent[p].Items {
			if k := indexOf(codes, pi.Code); k >= 0 {
				walks[k].add(p, recent[p].At, pi.Days)
			}
		}
	}
	for i, it := range e.items {
		if it == nil || it.DaysPerUnit <= 0 {
			continue
		}
		if w := walks[indexOf(codes, it.Code)]; w.seen {
			e.checkOverlap(i, &w)
		}
	}
}

// checkOverlap trips when the supply left at Now is more than the share of
// the last purchase's supply the refill threshold allows to remain.
func (e *evaluation) checkOverlap(i int, w *supply) {
	bp := min(max(e.rules.RefillThresholdBP, 0), 10000) // hand-built rules may be out of range
	remainingMs := w.coveredUntil.Sub(e.in.Now).Milliseconds()
	// remaining > lastDays × (10000−bp)/10000, in milliseconds, exactly.
	if remainingMs*10000 <= w.lastDays*86400*(10000-bp) {
		return
	}
	e.addLine(i, SplitSupplyOverlap, map[string]any{
		"code":             e.items[i].Code,
		"last_purchase_at": w.lastAt.Format(time.RFC3339),
		"remaining_days":   formatMillidays(remainingMs / 86400),
		"supply_days":      formatMillidays(w.lastDays),
		"threshold_bp":     bp,
		"partial_history":  e.in.History.Partial,
	})
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
