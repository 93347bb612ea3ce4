package api

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"posagent/internal/web"
	"posagent/policy"
	"posagent/sync/centre"
	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// SampleQuery is what a review sample is drawn for (SPEC §11
// "Sampling"): a pharmacy's charges of a period, and the seed.
type SampleQuery struct {
	Pharmacy string
	From, To string    // as given: YYYY-MM-DD (or RFC 3339)
	Start    time.Time // From as a time
	End      time.Time // To as a time: a day's end, exclusive
	Seed     uint64
}

var sampleParams = map[string]bool{"pharmacy": true, "from": true, "to": true, "seed": true}

// ParseSampleQuery reads the query of GET /api/sample (and of the
// console's sample page): pharmacy, from and to are required (days in
// loc, "to" included), seed is optional; without one a random seed is
// drawn (crypto/rand, below 2^53 so any JSON reader keeps it exact).
func ParseSampleQuery(q url.Values, loc *time.Location) (SampleQuery, error) {
	if err := checkParams(q, sampleParams); err != nil {
		return SampleQuery{}, err
	}
	s := SampleQuery{Pharmacy: q.Get("pharmacy"), From: q.Get("from"), To: q.Get("to")}
	for _, name := range []string{"pharmacy", "from", "to"} { // in the form's order
		if q.Get(name) == "" {
			return s, paramError(name, ParamMissing, "%s is required", name)
		}
	}
	var err error
	if s.Start, s.End, err = parsePeriod(q, loc); err != nil {
		return s, err
	}
	if v := q.Get("seed"); v != "" {
		if s.Seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			return s, paramError("seed", ParamMalformed, "seed %q: want a whole number from 0 to %d", v, uint64(1<<64-1))
		}
		return s, nil
	}
	s.Seed = NewSeed()
	return s, nil
}

// NewSeed is a random sample seed below 2^53.
func NewSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail (Go 1.24+)
	return binary.BigEndian.Uint64(b[:]) >> 11
}

// Sample is a drawn review sample, the answer of GET /api/sample: the
// population is the pharmacy's charges in the period, the records the
// ones ledger.Sample chose with the seed, by terminal then seq. Drawing
// again with the same seed gives the same records while the period's
// charges stay the same.
type Sample struct {
	Pharmacy   string      `json:"pharmacy"`
	From       string      `json:"from"`
	To         string      `json:"to"`
	Seed       uint64      `json:"seed"`
	Population int         `json:"population"`
	Size       int         `json:"size"`
	Records    []store.Txn `json:"records"`
}

// MaxSamplePopulation bounds the charges a sample is drawn from, so one
// request cannot hold a whole region's records in memory.
const MaxSamplePopulation = 200_000

// ErrPopulationTooLarge: the period holds more than MaxSamplePopulation
// charges; narrow it.
var ErrPopulationTooLarge = errors.New("more charges than a sample is drawn from")

// samplePage is how many records one store query of DrawSample asks for.
var samplePage = MaxLimit

// DrawSample loads the charges of q's pharmacy and period and draws the
// sample of q's seed. It pages through the store, which answers at most
// a page a query.
func DrawSample(ctx context.Context, c *centre.Centre, q SampleQuery) (Sample, error) {
	txns, err := periodCharges(ctx, c, store.Filter{Pharmacy: q.Pharmacy, Kind: wire.KindCharge,
		From: q.Start, To: q.End})
	if err != nil {
		return Sample{}, err
	}
	byKey := make(map[ledger.RecordKey]store.Txn, len(txns))
	keys := make([]ledger.RecordKey, 0, len(txns))
	for _, t := range txns {
		k := ledger.RecordKey{Terminal: t.Terminal, Seq: t.Seq}
		byKey[k] = t
		keys = append(keys, k)
	}
	chosen := ledger.Sample(keys, q.Seed)
	s := Sample{Pharmacy: q.Pharmacy, From: q.From, To: q.To, Seed: q.Seed, Population: len(keys),
		Size: len(chosen), Records: make([]store.Txn, len(chosen))}
	for i, k := range chosen {
		s.Records[i] = listable(byKey[k])
	}
	return s, nil
}

// periodCharges is every record f selects, each once. The store answers
// newest first, a page at a time; the next page ends just after the
// oldest record of the last (a microsecond, what PostgreSQL keeps), so
// records sharing that time are not lost, and the ones seen are skipped.
func periodCharges(ctx context.Context, c *centre.Centre, f store.Filter) ([]store.Txn, error) {
	f.Limit = samplePage
	seen := map[ledger.RecordKey]bool{}
	var out []store.Txn
	for {
		page, err := c.Transactions(ctx, f)
		if err != nil {
			return nil, err
		}
		added := 0
		for _, t := range page {
			k := ledger.RecordKey{Terminal: t.Terminal, Seq: t.Seq}
			if !seen[k] {
				seen[k] = true
				out = append(out, t)
				added++
			}
		}
		if len(out) > MaxSamplePopulation {
			return nil, fmt.Errorf("%w: over %d", ErrPopulationTooLarge, MaxSamplePopulation)
		}
		if len(page) < f.Limit {
			return out, nil
		}
		if added == 0 { // a whole page shares one time: no way past it
			return nil, fmt.Errorf("%w: over %d charges at %s", ErrPopulationTooLarge, f.Limit, page[0].At)
		}
		f.To = page[len(page)-1].At.Add(time.Microsecond)
	}
}

// listable is t with lists, never null, for the console and JSON readers.
func listable(t store.Txn) store.Txn {
	if t.Reasons == nil {
		t.Reasons = []policy.Reason{}
	}
	if t.Flags == nil {
		t.Flags = []string{}
	}
	return t
}

// handleSample is GET /api/sample: the review sample of a pharmacy's
// charges in a period, from the seed given or a new one.
func (s *Server) handleSample(w http.ResponseWriter, r *http.Request) {
	q, err := ParseSampleQuery(r.URL.Query(), s.centre.Location())
	if err != nil {
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, err.Error())
		return
	}
	sample, err := DrawSample(r.Context(), s.centre, q)
	switch {
	case errors.Is(err, ErrPopulationTooLarge):
		codes.Write(w, http.StatusBadRequest, centre.CodeBadParam, err.Error()+"; narrow the period")
	case err != nil:
		s.log.Error("draw sample", "pharmacy", q.Pharmacy, "err", err)
		codes.Write(w, http.StatusInternalServerError, centre.CodeInternal, "centre storage error")
	default:
		web.WriteJSON(w, http.StatusOK, sample)
	}
}
