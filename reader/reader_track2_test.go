//go:build linux

package reader

import (
	"bytes"
	"testing"
	"time"

	"posagent/internal/clock"
)

func TestReaderTrack2ByteByByte(t *testing.T) {
	line := openPTY(t)
	r, rec := startReader(t, Config{Port: line.path(), Format: FormatTrack2})
	rec.waitN(t, 1, "open", isState(StateOpen))

	line.writeBytewise(t, EncodeTrack2("6212345678901234", "3012", "120", "0042", true))
	ev := rec.waitN(t, 1, "card", isCard("6212345678901234"))[0]
	if ev.Card.Expiry != "2030-12-31" || ev.Card.Source != "track2" || ev.Card.ReadAt.IsZero() {
		t.Errorf("card = %+v, want expiry 2030-12-31, source track2, read_at set", *ev.Card)
	}
	if st := r.Status(); st.State != StateOpen || st.Swipes != 1 || st.BadReads != 0 {
		t.Errorf("status = %+v, want open with 1 swipe", st)
	}
}

func TestReaderTrack2TwoLinesOneWriteAndBadLRC(t *testing.T) {
	line := openPTY(t)
	r, rec := startReader(t, Config{Port: line.path(), Format: FormatTrack2})
	rec.waitN(t, 1, "open", isState(StateOpen))

	bad := EncodeTrack2("111", "3001", "120", "", true)
	bad[len(bad)-3] ^= 0x01 // corrupt the LRC
	var w bytes.Buffer
	w.Write(EncodeTrack2("111", "3001", "120", "", true))
	w.Write(bad)
	w.Write([]byte("\n\r\n")) // empty lines are not reads
	w.Write(EncodeTrack2("222", "3001", "120", "", false))
	line.write(t, w.Bytes())

	rec.waitN(t, 1, "card 222", isCard("222"))
	errs := rec.matching(isReadError)
	if len(rec.matching(isCard("111"))) != 1 || len(errs) != 1 {
		t.Fatalf("want one card 111 and one read error; events: %s", describe(rec.all()))
	}
	if !bytes.Contains([]byte(errs[0].Error), []byte("bad LRC")) {
		t.Errorf("read error %q does not name the bad LRC", errs[0].Error)
	}
	if st := r.Status(); st.Swipes != 2 || st.BadReads != 1 {
		t.Errorf("status = %+v, want 2 swipes and 1 bad read", st)
	}
}

func TestReaderTrack2Debounce(t *testing.T) {
	line := openPTY(t)
	clk := clock.NewFake(time.Date(2025, 3, 10, 10, 0, 0, 0, time.UTC))
	r, rec := startReader(t, Config{Port: line.path(), Format: FormatTrack2, Clock: clk})
	rec.waitN(t, 1, "open", isState(StateOpen))

	swipe := EncodeTrack2("333", "3001", "120", "", true)
	line.write(t, bytes.Repeat(swipe, 3))
	line.write(t, EncodeTrack2("444", "3001", "120", "", true))
	rec.waitN(t, 1, "card 444", isCard("444"))
	if n := len(rec.matching(isCard("333"))); n != 1 {
		t.Errorf("card 333 read 3 times within the debounce window gave %d events, want 1", n)
	}
	if st := r.Status(); st.Swipes != 2 {
		t.Errorf("swipes = %d, want 2", st.Swipes)
	}

	// Just within the window it is still the same swipe; once the window
	// has passed, the same card is a new one.
	clk.Advance(DefaultDebounce - time.Millisecond)
	line.write(t, swipe)
	line.write(t, EncodeTrack2("555", "3001", "120", "", true))
	rec.waitN(t, 1, "card 555", isCard("555"))
	clk.Advance(time.Millisecond)
	line.write(t, swipe)
	evs := rec.waitN(t, 2, "card 333 after the window", isCard("333"))
	if !evs[1].Card.ReadAt.Equal(clk.Now()) || !evs[1].At.Equal(clk.Now()) {
		t.Errorf("second swipe read at %v (event %v), want the clock's %v", evs[1].Card.ReadAt, evs[1].At, clk.Now())
	}
	if st := r.Status(); st.Swipes != 4 {
		t.Errorf("swipes = %d, want 4", st.Swipes)
	}
}

func TestReaderTrack2NoiseDoesNotGrow(t *testing.T) {
	line := openPTY(t)
	r, rec := startReader(t, Config{Port: line.path(), Format: FormatTrack2})
	rec.waitN(t, 1, "open", isState(StateOpen))

	line.write(t, bytes.Repeat([]byte("0123456789"), 100)) // 1000 bytes, no line end
	line.write(t, []byte("\r"))
	line.write(t, EncodeTrack2("555", "3001", "120", "", true))
	rec.waitN(t, 1, "card 555", isCard("555"))
	if st := r.Status(); st.BadReads != 1 {
		t.Errorf("bad reads = %d, want 1 for the over-long line", st.BadReads)
	}
	errs := rec.matching(isReadError)
	if len(errs) != 1 || !bytes.Contains([]byte(errs[0].Error), []byte("longer than 256")) {
		t.Errorf("want one 'longer than 256' read error; events: %s", describe(rec.all()))
	}
}
