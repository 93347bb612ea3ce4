//go:build linux

package reader

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"posagent/internal/clock"
)

// fastBackoff keeps reopen tests quick.
func fastBackoff(cfg Config) Config {
	cfg.MinBackoff, cfg.MaxBackoff = 5*time.Millisecond, 100*time.Millisecond
	return cfg
}

func TestReaderReopensUnpluggedPort(t *testing.T) {
	for _, format := range []Format{FormatTrack2, FormatFrame} {
		t.Run(string(format), func(t *testing.T) {
			link := linkPath(t)
			line := openPTY(t)
			pointLink(t, line.path(), link)
			r, rec := startReader(t, fastBackoff(Config{Port: link, Format: format}))
			rec.waitN(t, 1, "open", isState(StateOpen))
			swipe := func(line *fakeReader, cardNo string) {
				card := NewCardFile(cardNo)
				card.PAN = strings.TrimPrefix(cardNo, "A")
				if err := WriteSwipe(line.master, format, card); err != nil {
					t.Fatal(err)
				}
				rec.waitN(t, 1, cardNo, isCard(cardNoAs(format, card)))
			}
			swipe(line, "A00000001")

			line.close() // unplugged: the device and its link go
			if err := os.Remove(link); err != nil {
				t.Fatal(err)
			}
			down := rec.waitN(t, 1, "down", isState(StateDown))[0]
			if !strings.Contains(down.Error, ErrPortGone.Error()) || down.Reader.LastError != down.Error {
				t.Errorf("down event error %q / last_error %q, want %q", down.Error, down.Reader.LastError, ErrPortGone)
			}
			if st := r.Status(); st.State == StateOpen {
				t.Errorf("state = %s after the port was lost", st.State)
			}

			line = openPTY(t) // plugged in again
			pointLink(t, line.path(), link)
			rec.waitN(t, 2, "reopen", isState(StateOpen))
			if format == FormatFrame {
				if got := readN(t, line, 6); !bytes.Equal(got, EncodeFrame(CmdReadNow, nil)) {
					t.Errorf("after reopen the reader sent % X, want read-now", got)
				}
			}
			swipe(line, "A00000002")
			if st := r.Status(); st.Reconnects != 1 || st.State != StateOpen || st.Swipes != 2 {
				t.Errorf("status = %+v, want open, 1 reconnect, 2 swipes", st)
			}
		})
	}
}

// cardNoAs is the card number a swipe of card carries in format.
func cardNoAs(format Format, card CardFile) string {
	if format == FormatTrack2 {
		return card.Track2PAN()
	}
	return card.CardNo
}

func TestReaderWaitsForMissingPort(t *testing.T) {
	link := linkPath(t)
	clk := clock.NewFake(time.Date(2025, 3, 10, 10, 0, 0, 0, time.UTC))
	r, rec := startReader(t, Config{Port: link, Format: FormatTrack2, Clock: clk})
	down := rec.waitN(t, 1, "down", isState(StateDown))[0]
	if !strings.Contains(down.Error, "no such file") {
		t.Errorf("down error = %q, want the open error", down.Error)
	}
	// Several failed attempts: each waits its backoff on the clock, fails
	// and waits again (the reader is the clock's only user).
	for range 5 {
		waitAndAdvance(t, clk, DefaultMaxBackoff)
	}
	sleeping(t, clk)
	if n := len(rec.matching(isState(StateDown))); n != 1 {
		t.Errorf("%d down events while the port stays missing, want 1", n)
	}

	line := openPTY(t)
	pointLink(t, line.path(), link)
	waitAndAdvance(t, clk, DefaultMaxBackoff)
	rec.waitN(t, 1, "open", isState(StateOpen))
	line.write(t, EncodeTrack2("777", "3001", "120", "", true))
	rec.waitN(t, 1, "card", isCard("777"))
	if st := r.Status(); st.Reconnects != 0 {
		t.Errorf("reconnects = %d, want 0: the port was never open before", st.Reconnects)
	}
}

// TestReaderReopensWithinMaxBackoffHoweverLongItWasAway: the wait between
// attempts doubles from MinBackoff but never passes MaxBackoff, so a
// reader plugged back in after a long absence serves again within
// MaxBackoff. The clock is moved by hand, so this is exact.
func TestReaderReopensWithinMaxBackoffHoweverLongItWasAway(t *testing.T) {
	const maxB = time.Second
	link := linkPath(t)
	line := openPTY(t)
	pointLink(t, line.path(), link)
	clk := clock.NewFake(time.Date(2025, 3, 10, 10, 0, 0, 0, time.UTC))
	r, rec := startReader(t, Config{Port: link, Format: FormatTrack2, Clock: clk, MinBackoff: 100 * time.Millisecond, MaxBackoff: maxB})
	rec.waitN(t, 1, "open", isState(StateOpen))

	// Unplugged, and away for a minute of failed attempts. The link goes
	// with the device, as /dev/serial/by-id names do (left in place, it
	// would name whichever pseudo-terminal next takes the old number).
	line.close()
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	rec.waitN(t, 1, "down", isState(StateDown))
	for range 60 {
		waitAndAdvance(t, clk, maxB)
	}
	sleeping(t, clk) // the last attempt has failed: the reader waits again

	line = openPTY(t) // plugged in again
	pointLink(t, line.path(), link)
	clk.Advance(maxB - time.Millisecond)
	if st := r.Status(); st.State == StateOpen {
		t.Fatal("reopened before the capped wait ended") // cannot: the reader sleeps on the clock
	}
	clk.Advance(time.Millisecond) // MaxBackoff after the last attempt: it must try now
	rec.waitN(t, 2, "reopen", isState(StateOpen))
	if st := r.Status(); st.Reconnects != 1 || len(rec.matching(isState(StateDown))) != 1 {
		t.Errorf("status %+v and %d down events, want 1 reconnect and 1 down", st, len(rec.matching(isState(StateDown))))
	}
}

// waitAndAdvance waits until the reader sleeps on clk, then moves clk on
// by d.
func waitAndAdvance(t *testing.T, clk *clock.Fake, d time.Duration) {
	t.Helper()
	sleeping(t, clk)
	clk.Advance(d)
}

// TestReaderReopenLoop unplugs and replugs the reader 50 times, alternately
// closing the old line before and after the new one appears (the new
// pseudo-terminal then may or may not reuse the old one's number), with a
// swipe after each replug. Every swipe must arrive exactly once.
func TestReaderReopenLoop(t *testing.T) {
	const rounds = 50
	link := linkPath(t)
	line := openPTY(t)
	pointLink(t, line.path(), link)
	r, rec := startReader(t, fastBackoff(Config{Port: link, Format: FormatTrack2}))
	rec.waitN(t, 1, "open", isState(StateOpen))

	for i := range rounds {
		old := line
		if i%2 == 0 {
			old.close()
		}
		line = openPTY(t)
		pointLink(t, line.path(), link)
		if i%2 == 1 {
			old.close()
		}
		pan := fmt.Sprintf("%d", 1000+i)
		line.write(t, EncodeTrack2(pan, "3001", "120", "", true))
		rec.waitN(t, 1, "swipe "+pan, isCard(pan))
	}

	counts := map[string]int{}
	for _, ev := range rec.matching(func(ev Event) bool { return ev.Type == EventCard }) {
		counts[ev.Card.CardNo]++
	}
	for i := range rounds {
		if pan := fmt.Sprintf("%d", 1000+i); counts[pan] != 1 {
			t.Errorf("swipe %s arrived %d times, want 1", pan, counts[pan])
		}
	}
	if len(counts) != rounds {
		t.Errorf("%d distinct cards, want %d", len(counts), rounds)
	}
	st := r.Status()
	if st.Reconnects != rounds || st.Swipes != rounds {
		t.Errorf("status = %+v, want %d reconnects and swipes", st, rounds)
	}
	if n := len(rec.matching(isState(StateDown))); n != rounds {
		t.Errorf("%d down events, want %d", n, rounds)
	}
	if n := len(rec.matching(isState(StateOpen))); n != rounds+1 {
		t.Errorf("%d open events, want %d", n, rounds+1)
	}
}

// sleeping waits until the reader sleeps on clk (its backoff timer is the
// clock's only waiter); waitLimit only turns a hang into a failure.
func sleeping(t *testing.T, clk *clock.Fake) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	if err := clk.BlockUntil(ctx, 1); err != nil {
		t.Fatalf("the reader never waited on its clock: %v", err)
	}
}
