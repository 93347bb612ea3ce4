// Package alerts finds, in the terminals' account look-ups, the patterns
// supervisors must see (SPEC §9): a terminal that looks cards up without
// selling, and a terminal walking through consecutive card numbers. It is
// pure: look-ups in, alerts out; no storage, no clock.
package alerts

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kinds of alert.
const (
	// WithoutSale: on one day, a terminal's look-ups are many and mostly
	// not followed by a sale.
	WithoutSale = "LOOKUPS_WITHOUT_SALE"
	// SequentialCards: within a window, a terminal looked up card numbers
	// that are consecutive integers once their common prefix is stripped.
	SequentialCards = "SEQUENTIAL_CARDS"
)

// Lookup is one look-up as the alerts see it.
type Lookup struct {
	Terminal string
	Pharmacy string
	CardNo   string
	At       time.Time
	Sale     bool // a sale of the same terminal and card followed
}

// Alert is one finding about one terminal.
type Alert struct {
	Kind     string    `json:"kind"`
	Terminal string    `json:"terminal"`
	Pharmacy string    `json:"pharmacy"`
	From     time.Time `json:"from"` // WithoutSale: the day's start; SequentialCards: the first look-up of the run
	To       time.Time `json:"to"`   // WithoutSale: the next day's start; SequentialCards: the last look-up of the run
	Lookups  int       `json:"lookups"`
	// WithoutSale only.
	Day         string `json:"day,omitempty"` // YYYY-MM-DD in the region's zone
	NoSale      int    `json:"without_sale,omitempty"`
	SharePct    int    `json:"share_pct,omitempty"` // NoSale of Lookups, in whole per cent (rounded down)
	FirstCard   string `json:"first_card,omitempty"`
	LastCard    string `json:"last_card,omitempty"`
	Consecutive int    `json:"consecutive,omitempty"` // SequentialCards: distinct consecutive card numbers seen
}

// Thresholds say when an alert is raised. Zero fields take Default's.
type Thresholds struct {
	// MinLookups and MinSharePct: a terminal-day with at least MinLookups
	// look-ups of which at least MinSharePct per cent had no sale.
	MinLookups  int
	MinSharePct int
	// MinRun and RunWindow: at least MinRun consecutive card numbers
	// looked up by one terminal within RunWindow.
	MinRun    int
	RunWindow time.Duration
}

// Default are the thresholds of the issue: ≥ 10 look-ups a day with ≥ 50 %
// not followed by a sale; ≥ 5 consecutive card numbers within an hour.
var Default = Thresholds{MinLookups: 10, MinSharePct: 50, MinRun: 5, RunWindow: time.Hour}

func (th Thresholds) orDefault() Thresholds {
	if th.MinLookups <= 0 {
		th.MinLookups = Default.MinLookups
	}
	if th.MinSharePct <= 0 {
		th.MinSharePct = Default.MinSharePct
	}
	if th.MinRun <= 1 {
		th.MinRun = Default.MinRun
	}
	if th.RunWindow <= 0 {
		th.RunWindow = Default.RunWindow
	}
	return th
}

// Find returns both kinds of alert over ls (in any order), days counted
// in loc: newest first, then by terminal and kind.
func Find(ls []Lookup, loc *time.Location, th Thresholds) []Alert {
	out := append(WithoutSales(ls, loc, th), Sequential(ls, th)...)
	slices.SortStableFunc(out, func(a, b Alert) int {
		return cmp.Or(b.To.Compare(a.To), cmp.Compare(a.Terminal, b.Terminal), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

// WithoutSales is alert A: per terminal and day (in loc), the look-ups
// and those not followed by a sale, when they pass the thresholds.
func WithoutSales(ls []Lookup, loc *time.Location, th Thresholds) []Alert {
	th = th.orDefault()
	if loc == nil {
		loc = time.UTC
	}
	type key struct{ terminal, day string }
	days := map[key]*Alert{}
	var order []key
	for _, l := range ls {
		at := l.At.In(loc)
		k := key{l.Terminal, at.Format(time.DateOnly)}
		a := days[k]
		if a == nil {
			y, m, d := at.Date()
			start := time.Date(y, m, d, 0, 0, 0, 0, loc)
			a = &Alert{Kind: WithoutSale, Terminal: l.Terminal, Day: k.day, From: start, To: start.AddDate(0, 0, 1)}
			days[k] = a
			order = append(order, k)
		}
		a.Pharmacy = l.Pharmacy
		a.Lookups++
		if !l.Sale {
			a.NoSale++
		}
	}
	var out []Alert
	for _, k := range order {
		a := days[k]
		if a.Lookups >= th.MinLookups && a.NoSale*100 >= th.MinSharePct*a.Lookups {
			a.SharePct = a.NoSale * 100 / a.Lookups
			out = append(out, *a)
		}
	}
	return out
}

// cardNum is a card number split into a prefix and the integer its
// trailing digits spell (at most 18 of them; longer runs of digits leave
// the rest in the prefix).
type cardNum struct {
	prefix string
	n      uint64
}

// maxDigits keeps the integer within uint64.
const maxDigits = 18

// splitCard splits a card number; ok is false when it does not end in a
// digit.
func splitCard(card string) (cardNum, bool) {
	i := len(card)
	for i > 0 && len(card)-i < maxDigits && card[i-1] >= '0' && card[i-1] <= '9' {
		i--
	}
	if i == len(card) {
		return cardNum{}, false
	}
	n, err := strconv.ParseUint(card[i:], 10, 64)
	if err != nil {
		return cardNum{}, false
	}
	return cardNum{prefix: card[:i], n: n}, true
}

// Sequential is alert B: for each terminal, a sliding window of
// RunWindow over its look-ups in time order; whenever the card just
// looked up completes MinRun consecutive numbers (same prefix) within the
// window, the run is reported. Detections of one terminal and prefix no
// more than RunWindow apart are one alert, which grows.
func Sequential(ls []Lookup, th Thresholds) []Alert {
	th = th.orDefault()
	byTerminal := map[string][]Lookup{}
	var terminals []string
	for _, l := range ls {
		if _, ok := byTerminal[l.Terminal]; !ok {
			terminals = append(terminals, l.Terminal)
		}
		byTerminal[l.Terminal] = append(byTerminal[l.Terminal], l)
	}
	var out []Alert
	for _, term := range terminals {
		out = append(out, sequentialOf(byTerminal[term], th)...)
	}
	return out
}

// seen is a card number in the window: how many look-ups of it, and when
// the latest was.
type seen struct {
	count int
	last  time.Time
}

// openRun is an alert being grown, with the card numbers it covers.
type openRun struct {
	alert      Alert
	lo, hi     uint64
	cards      map[uint64]bool
	lastDetect time.Time
}

// sequentialOf finds the runs of one terminal's look-ups.
func sequentialOf(ls []Lookup, th Thresholds) []Alert {
	ls = slices.Clone(ls)
	slices.SortStableFunc(ls, func(a, b Lookup) int { return a.At.Compare(b.At) })
	window := map[cardNum]*seen{}
	open := map[string]*openRun{} // by prefix
	var done []*openRun
	start := 0
	for _, l := range ls {
		for ; start < len(ls) && l.At.Sub(ls[start].At) > th.RunWindow; start++ {
			if c, ok := splitCard(ls[start].CardNo); ok {
				if s := window[c]; s != nil {
					if s.count--; s.count == 0 {
						delete(window, c)
					}
				}
			}
		}
		c, ok := splitCard(l.CardNo)
		if !ok {
			continue
		}
		s := window[c]
		if s == nil {
			s = &seen{}
			window[c] = s
		}
		s.count++
		s.last = l.At
		lo, hi := runAround(window, c, th.MinRun)
		if hi-lo+1 < uint64(th.MinRun) {
			continue
		}
		first := l.At
		for n := lo; n <= hi; n++ {
			if t := window[cardNum{c.prefix, n}].last; t.Before(first) {
				first = t
			}
		}
		r := open[c.prefix]
		if r == nil || l.At.Sub(r.lastDetect) > th.RunWindow {
			if r != nil {
				done = append(done, r)
			}
			r = &openRun{alert: Alert{Kind: SequentialCards, Terminal: l.Terminal, From: first},
				lo: lo, hi: hi, cards: map[uint64]bool{}}
			open[c.prefix] = r
		}
		r.lastDetect = l.At
		r.alert.Pharmacy, r.alert.To = l.Pharmacy, l.At
		r.lo, r.hi = min(r.lo, lo), max(r.hi, hi)
		for n := lo; n <= hi; n++ {
			r.cards[n] = true
		}
		r.alert.FirstCard = joinCard(c.prefix, r.lo, l.CardNo)
		r.alert.LastCard = joinCard(c.prefix, r.hi, l.CardNo)
	}
	for _, r := range open {
		done = append(done, r)
	}
	out := make([]Alert, 0, len(done))
	for _, r := range done {
		a := r.alert
		a.Consecutive = len(r.cards)
		for _, l := range ls {
			if !l.At.Before(a.From) && !l.At.After(a.To) {
				a.Lookups++
			}
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Alert) int { return a.From.Compare(b.From) })
	return out
}

// runAround is the run of consecutive numbers in the window around c,
// looking at most need−1 numbers to each side.
func runAround(window map[cardNum]*seen, c cardNum, need int) (lo, hi uint64) {
	lo, hi = c.n, c.n
	for i := 1; i < need && lo > 0 && window[cardNum{c.prefix, lo - 1}] != nil; i++ {
		lo--
	}
	for i := 1; i < need && hi < ^uint64(0) && window[cardNum{c.prefix, hi + 1}] != nil; i++ {
		hi++
	}
	return lo, hi
}

// joinCard writes prefix and n back as a card number, padded with zeros
// to the width of like's digits.
func joinCard(prefix string, n uint64, like string) string {
	digits := strconv.FormatUint(n, 10)
	if w := len(like) - len(prefix); len(digits) < w {
		digits = strings.Repeat("0", w-len(digits)) + digits
	}
	return prefix + digits
}
