//go:build linux

package reader

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"posagent/internal/clock"
)

func isScan(line string) func(Event) bool {
	return func(ev Event) bool { return ev.Type == EventScan && ev.Scan == line }
}

func TestScannerLinesAreEmittedUninterpreted(t *testing.T) {
	line := openPTY(t)
	r, rec := startReader(t, Config{Port: line.path(), Format: FormatScanner})
	rec.waitN(t, 1, "open", isState(StateOpen))

	// CR LF, LF alone, byte by byte: each a scan; the reader does not
	// care what the line says.
	line.write(t, []byte("EC1:ABCDEF234567\r\n"))
	line.write(t, []byte("not a voucher\n"))
	line.writeBytewise(t, []byte("EC1:ZZZ\r"))
	rec.waitN(t, 1, "scan EC1:ZZZ", isScan("EC1:ZZZ"))
	for _, want := range []string{"EC1:ABCDEF234567", "not a voucher"} {
		if n := len(rec.matching(isScan(want))); n != 1 {
			t.Errorf("scan %q emitted %d times, want 1; events: %s", want, n, describe(rec.all()))
		}
	}
	if st := r.Status(); st.Format != FormatScanner || st.Scans != 3 || st.Swipes != 0 || st.BadReads != 0 {
		t.Errorf("status = %+v, want format scanner, 3 scans, no swipes or bad reads", st)
	}
}

func TestScannerRefusesNonPrintableAndOverLongLines(t *testing.T) {
	line := openPTY(t)
	r, rec := startReader(t, Config{Port: line.path(), Format: FormatScanner})
	rec.waitN(t, 1, "open", isState(StateOpen))

	line.write(t, []byte("EC1:AB\x00CD\r\n"))
	line.write(t, bytes.Repeat([]byte("A"), 1000))
	line.write(t, []byte("\r\nEC1:GOOD\r\n"))
	rec.waitN(t, 1, "scan after the noise", isScan("EC1:GOOD"))
	errs := rec.matching(isReadError)
	if len(errs) != 2 || !strings.Contains(errs[0].Error, "0x00, not printable") || !strings.Contains(errs[1].Error, "longer than 256") ||
		!strings.HasSuffix(errs[0].Error, "scan again") {
		t.Fatalf("want a not-printable and an over-long error, each saying to scan again; events: %s", describe(rec.all()))
	}
	if n := len(rec.matching(func(ev Event) bool { return ev.Type == EventScan })); n != 1 {
		t.Errorf("%d scans emitted, want only EC1:GOOD; events: %s", n, describe(rec.all()))
	}
	if st := r.Status(); st.Scans != 1 || st.BadReads != 2 {
		t.Errorf("status = %+v, want 1 scan and 2 bad reads", st)
	}
}

func TestScannerPartialLineIsFlushedWhenIdle(t *testing.T) {
	line := openPTY(t)
	clk := clock.NewFake(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	r, rec := startReader(t, Config{Port: line.path(), Format: FormatScanner, Clock: clk})
	rec.waitN(t, 1, "open", isState(StateOpen))

	line.write(t, []byte("EC1:HALF"))
	// The partial line must have been read before the clock moves on.
	deadline := time.Now().Add(waitLimit)
	for r.Status().BadReads == 0 {
		clk.Advance(idleFlush)
		if time.Now().After(deadline) {
			t.Fatalf("partial line never flushed; events: %s", describe(rec.all()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	errs := rec.waitN(t, 1, "incomplete line error", isReadError)
	if !strings.Contains(errs[0].Error, "scanner: incomplete line") {
		t.Errorf("error %q, want scanner: incomplete line", errs[0].Error)
	}
	// The rest of the code arriving later is not glued to the flushed part.
	line.write(t, []byte("REST\r\n"))
	rec.waitN(t, 1, "scan REST", isScan("REST"))
}

func TestScannerDebounce(t *testing.T) {
	line := openPTY(t)
	clk := clock.NewFake(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	r, rec := startReader(t, Config{Port: line.path(), Format: FormatScanner, Clock: clk})
	rec.waitN(t, 1, "open", isState(StateOpen))

	line.write(t, bytes.Repeat([]byte("EC1:SAME\r\n"), 3))
	line.write(t, []byte("EC1:OTHER\r\n"))
	rec.waitN(t, 1, "scan OTHER", isScan("EC1:OTHER"))
	if n := len(rec.matching(isScan("EC1:SAME"))); n != 1 {
		t.Errorf("the same code scanned 3 times within the window gave %d events, want 1", n)
	}
	clk.Advance(DefaultDebounce)
	line.write(t, []byte("EC1:SAME\r\n"))
	rec.waitN(t, 2, "scan SAME after the window", isScan("EC1:SAME"))
	if st := r.Status(); st.Scans != 3 {
		t.Errorf("scans = %d, want 3", st.Scans)
	}
}

func TestScannerReopensAfterUnplug(t *testing.T) {
	link := linkPath(t)
	first := openPTY(t)
	pointLink(t, first.path(), link)
	r, rec := startReader(t, Config{Port: link, Format: FormatScanner, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	rec.waitN(t, 1, "open", isState(StateOpen))
	first.write(t, []byte("EC1:ONE\r\n"))
	rec.waitN(t, 1, "first scan", isScan("EC1:ONE"))

	first.close()
	rec.waitN(t, 1, "down", isState(StateDown))
	second := openPTY(t)
	pointLink(t, second.path(), link)
	rec.waitN(t, 2, "open again", isState(StateOpen))
	second.write(t, []byte("EC1:TWO\r\n"))
	rec.waitN(t, 1, "scan after the reopen", isScan("EC1:TWO"))
	if st := r.Status(); st.Reconnects < 1 || st.Scans != 2 {
		t.Errorf("status = %+v, want a reconnect and 2 scans", st)
	}
}
