package pgstore

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// PostgreSQL text holds neither NUL nor invalid UTF-8; these helpers keep
// such strings out of queries.

// checkText rejects text PostgreSQL cannot store.
func checkText(what, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%s %q holds a NUL byte", what, s)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %q is not valid UTF-8", what, s)
	}
	return nil
}

// checkName rejects names that cannot be keys: empty, or text PostgreSQL
// cannot store.
func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("empty %s", what)
	}
	return checkText(what, name)
}

// storable reports whether a name could have been stored; one that could
// not matches nothing, without asking the database.
func storable(name string) bool {
	return checkText("", name) == nil
}

// cleanText is free text a terminal sent, made storable: NUL bytes and
// invalid UTF-8 become U+FFFD.
func cleanText(s string) string {
	if storable(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// splitTime splits t into what a timestamptz column holds (t rounded down
// to the microsecond) and the nanoseconds left over, 0–999.
func splitTime(t time.Time) (time.Time, int16) {
	us := t.Truncate(time.Microsecond)
	return us, int16(t.Sub(us))
}

// joinTime is the inverse of splitTime.
func joinTime(us time.Time, ns int16) time.Time {
	return us.Add(time.Duration(ns))
}

// nullTime is a timestamptz parameter: NULL for the zero time (never).
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// fromNull reads a nullable timestamptz: the zero time for NULL.
func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
