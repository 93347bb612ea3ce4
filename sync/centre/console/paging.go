package console

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"posagent/sync/centre/api"
	"posagent/sync/centre/store"
)

// listCursor is where an older page of the list starts: the records at or
// before At, less the first Skip of those at exactly At (the page before
// showed them). The store lists newest first and, within one instant,
// always in the same order, so no record is skipped or shown twice even
// when many share a time. The zero cursor is the first page.
type listCursor struct {
	At   time.Time
	Skip int
}

// parseCursor reads before (RFC 3339) and skip from the list's query.
func parseCursor(q url.Values) (listCursor, error) {
	var c listCursor
	before, skip := q.Get("before"), q.Get("skip")
	if before == "" {
		if skip != "" {
			return c, fmt.Errorf("%w: skip %q without before", errBadCursor, skip)
		}
		return c, nil
	}
	at, err := time.Parse(time.RFC3339Nano, before)
	if err != nil {
		return c, fmt.Errorf("%w: before %q: want RFC 3339", errBadCursor, before)
	}
	c.At = at
	if skip != "" {
		n, err := strconv.Atoi(skip)
		if err != nil || n < 0 || n > api.MaxLimit {
			return c, fmt.Errorf("%w: skip %q: want 0 to %d", errBadCursor, skip, api.MaxLimit)
		}
		c.Skip = n
	}
	return c, nil
}

// apply narrows f to the records at or before the cursor, asking for the
// ones to skip as well.
func (c listCursor) apply(f store.Filter) store.Filter {
	if c.At.IsZero() {
		return f
	}
	if to := c.At.Add(time.Nanosecond); f.To.IsZero() || to.Before(f.To) {
		f.To = to
	}
	f.Limit += c.Skip
	return f
}

// trim drops the records the page before showed: the first Skip at At.
func (c listCursor) trim(txns []store.Txn) []store.Txn {
	i := 0
	for i < len(txns) && i < c.Skip && txns[i].At.Equal(c.At) {
		i++
	}
	return txns[i:]
}

// next is the cursor of the page after page, which c produced.
func (c listCursor) next(page []store.Txn) listCursor {
	last := page[len(page)-1].At
	n := 0
	for _, t := range page {
		if t.At.Equal(last) {
			n++
		}
	}
	if !c.At.IsZero() && c.At.Equal(last) {
		n += c.Skip
	}
	return listCursor{At: last, Skip: n}
}
