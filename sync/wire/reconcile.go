package wire

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Daily reconciliation (对账): for each local day, agent and centre each
// summarise the terminal's charges and voids whose At falls in the day's
// [From, To) and compare. The agent chooses the instants (midnight to
// midnight in its own zone) and sends them with its summary, so both sides
// count exactly the same window whatever zone the centre runs in.

// DaySummary is one terminal-day's charges and voids as one side counts
// them. Money is in fen. FirstSeq and LastSeq are 0 when the day has no
// charge or void.
type DaySummary struct {
	Terminal string    `json:"terminal"`
	Day      string    `json:"day"`  // YYYY-MM-DD in the terminal's zone
	From     time.Time `json:"from"` // the day's first instant, with the terminal's UTC offset
	To       time.Time `json:"to"`   // the next day's first instant
	Charges  int64     `json:"charges"`
	Voids    int64     `json:"voids"`
	Total    int64     `json:"total"`    // Σ total of the charges
	Account  int64     `json:"account"`  // Σ account part of the charges
	Cash     int64     `json:"cash"`     // Σ cash part of the charges
	Refunded int64     `json:"refunded"` // Σ account refunded by the voids
	// Held is, in the centre's summary only, Σ account of the day's
	// charges the centre holds (awaiting a ruling, or refused): counted
	// apart, never compared (the agent cannot know it).
	Held     int64  `json:"held,omitempty"`
	FirstSeq uint64 `json:"first_seq"`
	LastSeq  uint64 `json:"last_seq"`
	// AsOfSeq is the journal's last seq when the agent summarised; the
	// centre counts only records up to it (0: no bound), so a sale made
	// while the current day is reconciled on demand is not a difference.
	AsOfSeq uint64 `json:"as_of_seq,omitempty"`
	// Digest is the hex SHA-256 of the day's charges and voids (their
	// DayItem JSON, one a line, in seq order): equal counts and sums with
	// a different digest mean a record was edited.
	Digest string `json:"digest"`
}

// DayResult is the centre's answer to a summary.
type DayResult struct {
	Day         string     `json:"day"`
	Match       bool       `json:"match"`
	Centre      DaySummary `json:"centre"`                // the centre's own summary of the same window
	Differences []string   `json:"differences,omitempty"` // what differs, agent's figure first
}

// DayItem is what a summary covers of one record.
type DayItem struct {
	Seq     uint64 `json:"seq"`
	Kind    string `json:"kind"`
	TxnID   string `json:"txn_id"`
	CardNo  string `json:"card_no"`
	Total   int64  `json:"total"`
	Account int64  `json:"account"`
	Cash    int64  `json:"cash"`
}

// ItemOf is the DayItem of a record.
func ItemOf(r Record) DayItem {
	return DayItem{Seq: r.Seq, Kind: r.Kind, TxnID: r.TxnID, CardNo: r.CardNo,
		Total: r.Total, Account: r.Account, Cash: r.Cash}
}

// DayBounds returns the local day holding t, in loc: its date, its first
// instant and the next day's first instant.
func DayBounds(t time.Time, loc *time.Location) (day string, from, to time.Time) {
	y, m, d := t.In(loc).Date()
	from = time.Date(y, m, d, 0, 0, 0, 0, loc)
	to = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	return from.Format(time.DateOnly), from, to
}

// SummariseDay summarises the items of one terminal-day [from, to). Items
// of other kinds than charge and void are left out; their order does not
// matter. Day is from's date in from's own zone. AsOfSeq is left 0 for the
// caller to set.
func SummariseDay(terminal string, from, to time.Time, items []DayItem) DaySummary {
	s := DaySummary{Terminal: terminal, Day: from.Format(time.DateOnly), From: from, To: to}
	items = slices.DeleteFunc(slices.Clone(items), func(it DayItem) bool {
		return it.Kind != KindCharge && it.Kind != KindVoid
	})
	slices.SortFunc(items, func(a, b DayItem) int { return cmp.Compare(a.Seq, b.Seq) })
	h := sha256.New()
	for _, it := range items {
		switch it.Kind {
		case KindCharge:
			s.Charges++
			s.Total += it.Total
			s.Account += it.Account
			s.Cash += it.Cash
		case KindVoid:
			s.Voids++
			s.Refunded += it.Account
		}
		if s.FirstSeq == 0 {
			s.FirstSeq = it.Seq
		}
		s.LastSeq = it.Seq
		line, _ := json.Marshal(it) // a struct of strings and integers always encodes
		h.Write(append(line, '\n'))
	}
	s.Digest = hex.EncodeToString(h.Sum(nil))
	return s
}

// Equal reports whether two summaries are the same in every field, the
// instants compared as instants (the zone they carry does not matter).
func (s DaySummary) Equal(o DaySummary) bool {
	if !s.From.Equal(o.From) || !s.To.Equal(o.To) {
		return false
	}
	s.From, s.To, o.From, o.To = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return s == o
}

// maxDayLength bounds To - From: a day is at most 25 hours (the day a
// daylight-saving change gives back an hour).
const maxDayLength = 25 * time.Hour

// Check reports whether the summary names a terminal and a well-formed
// day: Day is From's date in From's zone and To comes after From, at most
// 25 hours later. The counts are not checked: they are what is compared.
func (s DaySummary) Check() error {
	switch {
	case s.Terminal == "":
		return errors.New("day summary: no terminal")
	case s.From.IsZero() || s.To.IsZero():
		return fmt.Errorf("day summary %s: from and to are required", s.Day)
	case s.From.Format(time.DateOnly) != s.Day:
		return fmt.Errorf("day summary %s: from %s is not on that day", s.Day, s.From.Format(time.RFC3339))
	case !s.From.Before(s.To) || s.To.Sub(s.From) > maxDayLength:
		return fmt.Errorf("day summary %s: from %s to %s is not one day", s.Day,
			s.From.Format(time.RFC3339), s.To.Format(time.RFC3339))
	}
	return nil
}

// CompareDays lists how the centre's summary of a day differs from the
// agent's, each difference as "what: agent X, centre Y"; nil means they
// match. The digest is named only when every count and sum agrees.
func CompareDays(agent, centre DaySummary) []string {
	var diffs []string
	num := func(what string, a, c int64, unit string) {
		if a != c {
			diffs = append(diffs, fmt.Sprintf("%s: agent %d%s, centre %d%s", what, a, unit, c, unit))
		}
	}
	num("charges", agent.Charges, centre.Charges, "")
	num("voids", agent.Voids, centre.Voids, "")
	num("total", agent.Total, centre.Total, " fen")
	num("account", agent.Account, centre.Account, " fen")
	num("cash", agent.Cash, centre.Cash, " fen")
	num("refunded", agent.Refunded, centre.Refunded, " fen")
	seq := func(what string, a, c uint64) {
		if a != c {
			diffs = append(diffs, fmt.Sprintf("%s: agent %d, centre %d", what, a, c))
		}
	}
	seq("first_seq", agent.FirstSeq, centre.FirstSeq)
	seq("last_seq", agent.LastSeq, centre.LastSeq)
	if len(diffs) == 0 && agent.Digest != centre.Digest {
		diffs = append(diffs, "digest: same counts and sums, different records (a record was edited)")
	}
	return diffs
}
