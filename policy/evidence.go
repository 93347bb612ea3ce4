package policy

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// fact is one named piece of evidence as Evaluate finds it. It stays in
// this compact form (no map, no boxed values) until the reason is encoded
// or its evidence is asked for.
type fact struct {
	key  string
	s    string
	n    int64
	list *[]string // a list kept where it is (an item's, the holder's)
	kind factKind
	off  int32 // factTime: the zone offset in seconds
}

type factKind uint8

const (
	factInt  factKind = iota // n
	factStr                  // s
	factBool                 // n != 0
	factList                 // *list; nil (or a nil list) is written as null
	factDays                 // n millidays, written as a decimal string ("2.5")
	// The time kinds hold n Unix seconds at zone offset off.
	factDate  // written "YYYY-MM-DD"
	factClock // written "HH:MM"
	factTime  // written in RFC 3339
)

func evInt[T ~int | ~int64](key string, v T) fact { return fact{key: key, kind: factInt, n: int64(v)} }
func evStr[T ~string](key string, v T) fact       { return fact{key: key, kind: factStr, s: string(v)} }
func evList(key string, v *[]string) fact         { return fact{key: key, kind: factList, list: v} }
func evDays(key string, millidays int64) fact     { return fact{key: key, kind: factDays, n: millidays} }

// evDate is t's date in its own zone.
func evDate(key string, t time.Time) fact { return evAt(key, factDate, t) }

// evClock is t's time of day in its own zone.
func evClock(key string, t time.Time) fact { return evAt(key, factClock, t) }

// evTime is t in RFC 3339, or "" when t is zero.
func evTime(key string, t time.Time) fact {
	if t.IsZero() {
		return evStr(key, "")
	}
	return evAt(key, factTime, t)
}

func evAt(key string, kind factKind, t time.Time) fact {
	_, off := t.Zone()
	return fact{key: key, kind: kind, n: t.Unix(), off: int32(off)}
}

func evBool(key string, v bool) fact {
	f := fact{key: key, kind: factBool}
	if v {
		f.n = 1
	}
	return f
}

// at is a time kind's instant, at its zone offset.
func (f *fact) at() time.Time {
	zone := time.UTC
	if f.off != 0 {
		zone = time.FixedZone("", int(f.off))
	}
	return time.Unix(f.n, 0).In(zone)
}

// strings is a factList's list.
func (f *fact) strings() []string {
	if f.list == nil {
		return nil
	}
	return *f.list
}

// value is f's value as it was in the first edition's evidence maps.
func (f *fact) value() any {
	switch f.kind {
	case factInt:
		return f.n
	case factBool:
		return f.n != 0
	case factList:
		return f.strings()
	case factStr:
		return f.s
	case factDays:
		return formatMillidays(f.n)
	}
	b := f.appendValue(nil) // dates and times: a quoted string without escapes
	return string(b[1 : len(b)-1])
}

// appendValue appends f's value as JSON.
func (f *fact) appendValue(b []byte) []byte {
	switch f.kind {
	case factInt:
		return strconv.AppendInt(b, f.n, 10)
	case factBool:
		return strconv.AppendBool(b, f.n != 0)
	case factStr:
		return appendJSONString(b, f.s)
	case factList:
		if f.strings() == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, s := range f.strings() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']')
	case factDays:
		return strconv.AppendQuote(b, formatMillidays(f.n))
	case factDate:
		return f.at().AppendFormat(append(b, '"'), `2006-01-02"`)
	case factClock:
		return f.at().AppendFormat(append(b, '"'), `15:04"`)
	case factTime:
		return f.at().AppendFormat(append(b, '"'), `2006-01-02T15:04:05Z07:00"`)
	}
	return append(b, "null"...)
}

// EvidenceMap returns the reason's evidence by name: Evidence when it is
// set, else a new map of what Evaluate found (nil when there is none).
// Numbers are int64, lists []string; days of supply, dates and times are
// the strings the JSON carries.
func (r Reason) EvidenceMap() map[string]any {
	if r.Evidence != nil || len(r.facts) == 0 {
		return r.Evidence
	}
	m := make(map[string]any, len(r.facts))
	for i := range r.facts {
		if _, dup := m[r.facts[i].key]; !dup { // as MarshalJSON: the first set
			m[r.facts[i].key] = r.facts[i].value()
		}
	}
	return m
}

// Fact returns one piece of the reason's evidence, as EvidenceMap has it.
func (r Reason) Fact(key string) (any, bool) {
	if r.Evidence != nil {
		v, ok := r.Evidence[key]
		return v, ok
	}
	for i := range r.facts {
		if r.facts[i].key == key {
			return r.facts[i].value(), true
		}
	}
	return nil, false
}

// FillEvidence sets the Evidence map of every reason in d that has none,
// for Go code that reads the maps directly.
func (d *Decision) FillEvidence() {
	fill := func(rs []Reason) {
		for i := range rs {
			rs[i].Evidence = rs[i].EvidenceMap()
		}
	}
	fill(d.Reasons)
	for i := range d.Lines {
		fill(d.Lines[i].Reasons)
	}
}

// reasonJSON is Reason without its MarshalJSON method.
type reasonJSON Reason

// MarshalJSON writes the reason as its fields say, with the evidence as an
// object whose keys are sorted (as encoding/json writes a map), whether it
// is in Evidence or still in Evaluate's compact form.
func (r Reason) MarshalJSON() ([]byte, error) {
	if r.Evidence != nil || len(r.facts) == 0 {
		// Without HTML escaping: the encoder that called us applies its own.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(reasonJSON(r)); err != nil {
			return nil, err
		}
		return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
	}
	b := make([]byte, 0, 160+64*len(r.facts))
	b = append(b, `{"code":`...)
	b = appendJSONString(b, string(r.Code))
	b = append(b, `,"severity":`...)
	b = appendJSONString(b, string(r.Severity))
	b = append(b, `,"message":`...)
	b = appendJSONString(b, r.Message)
	b = append(b, `,"message_zh":`...)
	b = appendJSONString(b, r.MessageZh)
	b = append(b, `,"evidence":{`...)
	order := make([]int, 0, 8)
	for i := range r.facts {
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(x, y int) int {
		switch a, b := r.facts[x].key, r.facts[y].key; {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	})
	for k, i := range order {
		if k > 0 && r.facts[i].key == r.facts[order[k-1]].key {
			continue // a map keeps one value per key; keep the first set
		}
		if k > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, r.facts[i].key)
		b = append(b, ':')
		b = r.facts[i].appendValue(b)
	}
	return append(b, "}}"...), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json writes
// one, except for HTML escaping, which encoding/json applies to a
// marshaller's output itself when the encoder asks for it.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
