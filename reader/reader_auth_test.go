//go:build linux

package reader

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"posagent/internal/cardproof"
	"posagent/internal/clock"
)

// host reads what the Reader writes to the line, frame by frame, as the
// card reader would.
type host struct {
	line    *fakeReader
	dec     FrameDecoder
	pending []Frame
}

// next returns the next frame with command cmd the Reader wrote, skipping
// others (the read-now frame sent at open).
func (h *host) next(t testing.TB, cmd byte) Frame {
	t.Helper()
	buf := make([]byte, 256)
	for {
		for len(h.pending) > 0 {
			f := h.pending[0]
			h.pending = h.pending[1:]
			if f.Cmd == cmd {
				return f
			}
		}
		h.line.master.SetReadDeadline(time.Now().Add(waitLimit))
		n, err := h.line.master.Read(buf)
		if err != nil {
			t.Fatalf("waiting for frame 0x%02X: %v", cmd, err)
		}
		h.pending = h.dec.Feed(buf[:n])
	}
}

// testCard is a card holding its key, as a chip does.
func testCard(t testing.TB, no string) *cardproof.Card {
	t.Helper()
	c, err := cardproof.NewCard(cardproof.Default, cardproof.IssuerKey(bytes.Repeat([]byte{9}, cardproof.IssuerKeySize)), no)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func answerFrame(card *cardproof.Card, ch cardproof.Challenge, counter uint64) []byte {
	return EncodeFrame(CmdAuthAnswer, EncodeAuthAnswer(AuthAnswer{CardNo: card.No, Counter: counter, Cryptogram: card.Sign(ch, counter)}))
}

func challenge(b byte) cardproof.Challenge {
	var ch cardproof.Challenge
	for i := range ch {
		ch[i] = b + byte(i)
	}
	return ch
}

// authRig is a frame Reader on a pseudo-terminal with card A00000001 read.
type authRig struct {
	r    *Reader
	rec  *recorder
	line *fakeReader
	host *host
	card *cardproof.Card
}

func newAuthRig(t *testing.T, cfg Config) *authRig {
	t.Helper()
	line := openPTY(t)
	cfg.Port, cfg.Format = line.path(), FormatFrame
	r, rec := startReader(t, cfg)
	g := &authRig{r: r, rec: rec, line: line, host: &host{line: line}, card: testCard(t, "A00000001")}
	g.host.next(t, CmdReadNow)
	g.insert(t, "A00000001")
	return g
}

func (g *authRig) insert(t *testing.T, no string) {
	t.Helper()
	n := len(g.rec.matching(isCard(no)))
	g.line.write(t, cardFrame(t, testRecord(t, no, "张三丰", "11010519600315001")))
	g.rec.waitN(t, n+1, "card "+no, isCard(no))
}

type authResultT struct {
	a   AuthAnswer
	err error
}

// auth starts an Auth and returns the challenge frame it wrote and a
// channel with its result.
func (g *authRig) auth(t *testing.T, ch cardproof.Challenge) <-chan authResultT {
	t.Helper()
	done := make(chan authResultT, 1)
	go func() {
		a, err := g.r.Auth(context.Background(), ch)
		done <- authResultT{a, err}
	}()
	f := g.host.next(t, CmdAuth)
	if !bytes.Equal(f.Data, ch[:]) {
		t.Fatalf("AUTH frame carries % X, want the challenge % X", f.Data, ch[:])
	}
	return done
}

func result(t *testing.T, done <-chan authResultT) (AuthAnswer, error) {
	t.Helper()
	select {
	case res := <-done:
		return res.a, res.err
	case <-time.After(waitLimit):
		t.Fatal("Auth did not return")
		return AuthAnswer{}, nil
	}
}

func TestAuthHonestAnswer(t *testing.T) {
	g := newAuthRig(t, Config{})
	ch := challenge(1)
	done := g.auth(t, ch)
	g.line.write(t, answerFrame(g.card, ch, 41))
	a, err := result(t, done)
	if err != nil {
		t.Fatalf("Auth: %v", err)
	}
	if a.CardNo != "A00000001" || a.Counter != 41 || !cardproof.Default.Equal(a.Cryptogram, g.card.Sign(ch, 41)) {
		t.Errorf("answer %+v", a)
	}
	if st := g.r.Status(); st.Auths != 1 || st.AuthFailures != 0 {
		t.Errorf("status %+v, want 1 auth, no failure", st)
	}
}

// A card that does not answer times out by the reader's clock, and its
// late answer is not taken for the answer to the next challenge.
func TestAuthTimeoutAndLateAnswer(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	g := newAuthRig(t, Config{Clock: clk, AuthTimeout: 300 * time.Millisecond})
	first := challenge(1)
	done := g.auth(t, first)
	clk.Advance(300 * time.Millisecond)
	if _, err := result(t, done); !errors.Is(err, ErrAuthTimeout) {
		t.Fatalf("Auth with no answer: %v, want ErrAuthTimeout", err)
	}

	// The late answer arrives with no Auth waiting, then a reader error
	// that shows it was decoded: it must have been dropped.
	g.line.write(t, answerFrame(g.card, first, 1))
	g.line.write(t, EncodeFrame(CmdReaderError, []byte{0x02}))
	g.rec.waitN(t, 1, "reader error", isReadError)

	second := challenge(2)
	done = g.auth(t, second)
	g.line.write(t, answerFrame(g.card, second, 2))
	a, err := result(t, done)
	if err != nil || a.Counter != 2 || !bytes.Equal(a.Cryptogram, g.card.Sign(second, 2)) {
		t.Fatalf("second Auth: %+v, %v; want the answer to the second challenge", a, err)
	}
	if st := g.r.Status(); st.Auths != 1 || st.AuthFailures != 1 {
		t.Errorf("status %+v, want 1 auth and 1 failure", st)
	}
}

// After an Auth gave up, the next one waits for the late answer (and
// drops it) before it sends its challenge, so the late answer is never
// taken for the answer to the new challenge; with no late answer it goes
// on after AuthTimeout.
func TestAuthWaitsOutALateAnswer(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	g := newAuthRig(t, Config{Clock: clk, AuthTimeout: 300 * time.Millisecond})
	first := challenge(1)
	done := g.auth(t, first)
	clk.Advance(300 * time.Millisecond)
	if _, err := result(t, done); !errors.Is(err, ErrAuthTimeout) {
		t.Fatalf("Auth with no answer: %v, want ErrAuthTimeout", err)
	}
	second := challenge(2)
	next := make(chan authResultT, 1)
	go func() {
		a, err := g.r.Auth(context.Background(), second)
		next <- authResultT{a, err}
	}()
	// The late answer to the first challenge comes after the second Auth
	// began: it is dropped, and only then is the second challenge sent.
	g.line.write(t, answerFrame(g.card, first, 1))
	if f := g.host.next(t, CmdAuth); !bytes.Equal(f.Data, second[:]) {
		t.Fatalf("AUTH frame % X, want the second challenge", f.Data)
	}
	g.line.write(t, answerFrame(g.card, second, 2))
	if a, err := result(t, next); err != nil || a.Counter != 2 || !bytes.Equal(a.Cryptogram, g.card.Sign(second, 2)) {
		t.Fatalf("second Auth: %+v, %v; want the answer to the second challenge", a, err)
	}

	// A card that never answers the late one: the next Auth waits
	// AuthTimeout for it, then sends its challenge.
	done = g.auth(t, challenge(3))
	clk.Advance(300 * time.Millisecond)
	if _, err := result(t, done); !errors.Is(err, ErrAuthTimeout) {
		t.Fatalf("third Auth: %v, want ErrAuthTimeout", err)
	}
	fourth := challenge(4)
	go func() {
		a, err := g.r.Auth(context.Background(), fourth)
		next <- authResultT{a, err}
	}()
	waitFor(t, "the fourth Auth waiting on the clock", func() bool { return clk.Waiters() > 0 })
	clk.Advance(300 * time.Millisecond)
	if f := g.host.next(t, CmdAuth); !bytes.Equal(f.Data, fourth[:]) {
		t.Fatalf("AUTH frame % X, want the fourth challenge", f.Data)
	}
	g.line.write(t, answerFrame(g.card, fourth, 4))
	if a, err := result(t, next); err != nil || a.Counter != 4 {
		t.Fatalf("fourth Auth: %+v, %v", a, err)
	}
}

func TestAuthNeedsAnOpenFrameReaderWithACard(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	r, err := New(Config{Port: "/dev/null", Format: FormatTrack2, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Auth(context.Background(), challenge(1)); !errors.Is(err, ErrAuthUnsupported) {
		t.Errorf("track 2: %v, want ErrAuthUnsupported", err)
	}
	r, err = New(Config{Port: "/dev/null", Format: FormatFrame, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Auth(context.Background(), challenge(1)); !errors.Is(err, ErrNotOpen) {
		t.Errorf("not running: %v, want ErrNotOpen", err)
	}

	line := openPTY(t)
	r, rec := startReader(t, Config{Port: line.path(), Format: FormatFrame})
	rec.waitN(t, 1, "open", isState(StateOpen))
	if _, err := r.Auth(context.Background(), challenge(1)); !errors.Is(err, ErrNoCard) {
		t.Errorf("no card read: %v, want ErrNoCard", err)
	}
	line.write(t, cardFrame(t, testRecord(t, "A00000001", "张三丰", "11010519600315001")))
	line.write(t, EncodeFrame(CmdCardRemoved, nil))
	rec.waitN(t, 1, "removed", func(ev Event) bool { return ev.Type == EventCardRemoved })
	if _, err := r.Auth(context.Background(), challenge(1)); !errors.Is(err, ErrNoCard) {
		t.Errorf("card removed: %v, want ErrNoCard", err)
	}
	if st := r.Status(); st.AuthFailures != 2 || st.Auths != 0 {
		t.Errorf("status %+v, want 2 failures", st)
	}
}

func TestAuthEndsWhenTheCardGoes(t *testing.T) {
	g := newAuthRig(t, Config{})
	done := g.auth(t, challenge(1))
	g.line.write(t, EncodeFrame(CmdCardRemoved, nil))
	if _, err := result(t, done); !errors.Is(err, ErrNoCard) {
		t.Errorf("card removed while waiting: %v, want ErrNoCard", err)
	}

	g.insert(t, "A00000001")
	done = g.auth(t, challenge(2))
	g.line.write(t, cardFrame(t, testRecord(t, "A00000002", "欧阳娜娜", "11010519850722002")))
	if _, err := result(t, done); !errors.Is(err, ErrNoCard) {
		t.Errorf("another card read while waiting: %v, want ErrNoCard", err)
	}
}

func TestAuthReaderError(t *testing.T) {
	g := newAuthRig(t, Config{})
	done := g.auth(t, challenge(1))
	g.line.write(t, EncodeFrame(CmdReaderError, []byte{0x04}))
	_, err := result(t, done)
	if !errors.Is(err, ErrAuthReader) || !bytes.Contains([]byte(err.Error()), []byte("card authentication failed")) {
		t.Errorf("reader error: %v, want ErrAuthReader naming the error", err)
	}
	if st := g.r.Status(); st.BadReads != 0 || len(g.rec.matching(isReadError)) != 0 {
		t.Errorf("the answer to AUTH was reported as a failed read: %+v", st)
	}
}

func TestAuthAnswerForAnotherCard(t *testing.T) {
	g := newAuthRig(t, Config{})
	ch := challenge(1)
	done := g.auth(t, ch)
	g.line.write(t, answerFrame(testCard(t, "A00000009"), ch, 1))
	if _, err := result(t, done); !errors.Is(err, ErrAuthOtherCard) {
		t.Errorf("answer of another card: %v, want ErrAuthOtherCard", err)
	}
}

func TestAuthAnswerAmongGarbage(t *testing.T) {
	g := newAuthRig(t, Config{})
	ch := challenge(1)
	done := g.auth(t, ch)
	bad := answerFrame(g.card, ch, 5)
	bad[len(bad)-2] ^= 0xFF // BCC
	var w bytes.Buffer
	w.Write([]byte{0xFF, 0x00, 'x', 0x03, stx})
	w.Write(bad)
	w.Write(EncodeFrame(0x7E, []byte("unknown")))
	w.Write(answerFrame(g.card, ch, 6))
	w.Write([]byte("trailing noise"))
	g.line.writeBytewise(t, w.Bytes())
	a, err := result(t, done)
	if err != nil || a.Counter != 6 {
		t.Fatalf("answer among garbage: %+v, %v", a, err)
	}

	done = g.auth(t, ch)
	g.line.write(t, EncodeFrame(CmdAuthAnswer, []byte("A00000001|07|ab")))
	if _, err := result(t, done); !errors.Is(err, ErrBadAuthAnswer) {
		t.Errorf("malformed answer: %v, want ErrBadAuthAnswer", err)
	}
}

func TestAuthPortLostWhileWaiting(t *testing.T) {
	g := newAuthRig(t, Config{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	done := g.auth(t, challenge(1))
	g.line.close()
	if _, err := result(t, done); !errors.Is(err, ErrNotOpen) {
		t.Errorf("port lost while waiting: %v, want ErrNotOpen", err)
	}
	if _, err := g.r.Auth(context.Background(), challenge(2)); !errors.Is(err, ErrNotOpen) && !errors.Is(err, ErrNoCard) {
		t.Errorf("Auth on a lost port: %v, want ErrNotOpen or ErrNoCard", err)
	}
}

func TestAuthHonoursContext(t *testing.T) {
	g := newAuthRig(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := g.r.Auth(ctx, challenge(1))
		done <- err
	}()
	g.host.next(t, CmdAuth)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Auth: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Auth did not return on cancel")
	}
}

// BenchmarkAuthOverPTY is one AUTH round trip through a pseudo-terminal
// at 115200 baud, a simulated card answering on the line.
func BenchmarkAuthOverPTY(b *testing.B) {
	line := openPTY(b)
	r, rec := startReader(b, Config{Port: line.path(), Format: FormatFrame, Baud: 115200,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	h := &host{line: line}
	h.next(b, CmdReadNow)
	card := testCard(b, "A00000001")
	line.write(b, cardFrame(b, testRecord(b, "A00000001", "张三丰", "11010519600315001")))
	rec.waitN(b, 1, "card", isCard("A00000001"))

	go answerAll(line.master, card) // ends when the line closes
	ch := challenge(1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Auth(context.Background(), ch); err != nil {
			b.Fatal(err)
		}
	}
}

// answerAll answers every AUTH read from master as the card would.
func answerAll(master *os.File, card *cardproof.Card) {
	master.SetReadDeadline(time.Time{})
	var dec FrameDecoder
	var counter uint64
	buf := make([]byte, 256)
	for {
		n, err := master.Read(buf)
		if err != nil {
			return
		}
		for _, f := range dec.Feed(buf[:n]) {
			if f.Cmd != CmdAuth || len(f.Data) != cardproof.ChallengeSize {
				continue
			}
			counter++
			if _, err := master.Write(answerFrame(card, cardproof.Challenge(f.Data), counter)); err != nil {
				return
			}
		}
	}
}

// waitFor waits until cond holds, failing t after waitLimit.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
