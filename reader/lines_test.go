package reader

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"posagent/internal/clock"
)

// FuzzScannerLines feeds arbitrary bytes, in arbitrary splits and with idle
// gaps, through a scanner session: it never panics, every scan emitted is
// printable ASCII of at most maxLine bytes, and every line end of a good
// line gives a scan or a read error.
func FuzzScannerLines(f *testing.F) {
	f.Add([]byte("EC1:ABCDEF234567\r\n"), uint8(3))
	f.Add([]byte("EC1:AB\x00CD\r\nEC1:X\n\n\r"), uint8(1))
	f.Add(append(make([]byte, 300), '\n'), uint8(7))
	f.Add([]byte("\xff\xfe partial"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		clk := clock.NewFake(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
		r, err := New(Config{Port: "fuzz", Format: FormatScanner, Clock: clk, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		var evs []Event
		s := &session{r: r, emit: func(ev Event) { evs = append(evs, ev) }, last: clk.Now()}
		step := int(split%16) + 1
		for i := 0; i < len(data); i += step {
			s.feed(data[i:min(i+step, len(data))])
			if split&0x80 != 0 {
				clk.Advance(idleFlush) // a pause long enough to flush
				s.quiet()
			}
		}
		clk.Advance(idleFlush)
		s.quiet()
		var scans, bad uint64
		for _, ev := range evs {
			switch ev.Type {
			case EventScan:
				scans++
				if len(ev.Scan) == 0 || len(ev.Scan) > maxLine || checkScan([]byte(ev.Scan)) != nil {
					t.Fatalf("scan %q: empty, longer than %d or not printable", ev.Scan, maxLine)
				}
			case EventReader:
				bad++
				if ev.Error == "" {
					t.Fatalf("reader event without an error: %+v", ev)
				}
			default:
				t.Fatalf("unexpected event %+v", ev)
			}
		}
		if st := r.Status(); st.Scans != scans || st.BadReads != bad {
			t.Fatalf("status %+v does not count the %d scans and %d errors emitted", st, scans, bad)
		}
		if len(s.lines.line) != 0 {
			t.Fatalf("%d bytes left after the idle flush", len(s.lines.line))
		}
	})
}
