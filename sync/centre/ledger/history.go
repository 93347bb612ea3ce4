package ledger

import (
	"cmp"
	"slices"
	"time"

	"posagent/sync/wire"
)

// HistoryEntry is what a history reads of one stored charge.
type HistoryEntry struct {
	At      time.Time
	Kind    string   // only wire.KindCharge counts
	Account int64    // fen the record says it took from the account
	Held    int64    // the part the centre did not allow
	Hold    string   // "", "held", "accepted", "refused", "voided" (or a later state awaiting a ruling)
	Flagged bool     // the record is one supervisors review (store.Txn.Flagged)
	Codes   []string // its flags and reason codes, each once
}

// Day is one local day of a history, amounts in fen.
type Day struct {
	Date    string `json:"date"`    // YYYY-MM-DD in the region's zone
	Charges int    `json:"charges"` // charges sold
	Flagged int    `json:"flagged"` // of which flagged
	Account int64  `json:"account"` // their account amounts
	Held    int64  `json:"held"`    // held parts not (yet) ruled away: awaiting a ruling
	Refused int64  `json:"refused"` // held parts refused (拒付)
}

// CodeCount is how many charges carried a code.
type CodeCount struct {
	Code  string `json:"code"`
	Count int    `json:"count"`
}

// History is a pharmacy's or a person's charges of a period, day by day
// (issue 11 §2, the charts of §6).
type History struct {
	Days     []Day       `json:"days"`      // every day of the period, empty ones included, oldest first
	Total    Day         `json:"total"`     // the period's sums (Date empty)
	TopCodes []CodeCount `json:"top_codes"` // the most frequent codes, most first, then by code
}

// BuildHistory sums entries into the local days (in zone; nil is UTC)
// of [from, to), and counts the top codes (at most top). Only charges
// count; a charge's held part counts in Held while it awaits a ruling
// (HoldAwaiting: held, deferred or a refusal awaiting its second
// supervisor), in Refused once refused. Entries outside the period are ignored. Pure.
func BuildHistory(entries []HistoryEntry, from, to time.Time, zone *time.Location, top int) History {
	if zone == nil {
		zone = time.UTC
	}
	h := History{Days: []Day{}, TopCodes: []CodeCount{}}
	index := map[string]int{}
	for d := from.In(zone); d.Before(to); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, zone) {
		date := d.Format(time.DateOnly)
		index[date] = len(h.Days)
		h.Days = append(h.Days, Day{Date: date})
	}
	codes := map[string]int{}
	for _, e := range entries {
		if e.Kind != wire.KindCharge || e.At.Before(from) || !e.At.Before(to) {
			continue
		}
		i, ok := index[e.At.In(zone).Format(time.DateOnly)]
		if !ok {
			continue
		}
		d := &h.Days[i]
		d.Charges++
		d.Account += e.Account
		if e.Flagged {
			d.Flagged++
		}
		switch {
		case e.Hold == HoldRefused:
			d.Refused += e.Held
		case HoldAwaiting(e.Hold):
			d.Held += e.Held
		}
		for _, c := range e.Codes {
			codes[c]++
		}
	}
	for _, d := range h.Days {
		h.Total.Charges += d.Charges
		h.Total.Flagged += d.Flagged
		h.Total.Account += d.Account
		h.Total.Held += d.Held
		h.Total.Refused += d.Refused
	}
	for c, n := range codes {
		h.TopCodes = append(h.TopCodes, CodeCount{Code: c, Count: n})
	}
	slices.SortFunc(h.TopCodes, func(a, b CodeCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Code, b.Code))
	})
	if len(h.TopCodes) > top {
		h.TopCodes = h.TopCodes[:max(top, 0)]
	}
	return h
}
