//go:build linux

package cardsim

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"posagent/internal/cardproof"
	"posagent/reader"
)

var issuer = cardproof.IssuerKey(bytes.Repeat([]byte{3}, cardproof.IssuerKeySize))

// rig is a Responder serving the master of a pseudo-terminal; the test is
// the host on the tty.
type rig struct {
	resp *Responder
	log  *syncBuffer
	tty  *os.File
	dec  reader.FrameDecoder
	done chan error
}

func newRig(t *testing.T) *rig {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	cfmakeraw(tio)
	if err := unix.IoctlSetTermios(int(tty.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	log := new(syncBuffer)
	g := &rig{resp: NewResponder(master, slog.New(slog.NewTextHandler(log, nil))), log: log, tty: tty, done: make(chan error, 1)}
	go func() { g.done <- g.resp.Serve(context.Background(), master) }()
	t.Cleanup(func() {
		// The master's read is a blocking one that closing the master
		// does not end; hanging up the tty does (EIO).
		tty.Close()
		<-g.done
		master.Close()
	})
	return g
}

// syncBuffer is a log the test reads while the responder writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func cfmakeraw(tio *unix.Termios) {
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
}

// ask sends an AUTH with data and returns the frame that answers it.
func (g *rig) ask(t *testing.T, data []byte) reader.Frame {
	t.Helper()
	if _, err := g.tty.Write(reader.EncodeFrame(reader.CmdAuth, data)); err != nil {
		t.Fatal(err)
	}
	return g.frame(t)
}

func (g *rig) frame(t *testing.T) reader.Frame {
	t.Helper()
	buf := make([]byte, 256)
	for {
		g.tty.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := g.tty.Read(buf)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		if fs := g.dec.Feed(buf[:n]); len(fs) > 0 {
			if len(fs) > 1 {
				t.Fatalf("%d frames at once", len(fs))
			}
			return fs[0]
		}
	}
}

func TestResponderAnswersForTheCardInTheReader(t *testing.T) {
	g := newRig(t)
	deck := NewDeck(issuer, nil)
	card, err := deck.Card("A00000001")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := deck.Card("A00000001"); again != card {
		t.Error("the deck made the same card twice")
	}

	var ch cardproof.Challenge
	if f := g.ask(t, ch[:]); f.Cmd != reader.CmdReaderError || !bytes.Equal(f.Data, []byte{0x01}) {
		t.Errorf("no card: answer 0x%02X % X, want reader error 0x01", f.Cmd, f.Data)
	}
	g.resp.Insert(card)
	for want := uint64(1); want <= 2; want++ {
		ch[0] = byte(want)
		f := g.ask(t, ch[:])
		a, err := reader.ParseAuthAnswer(f.Data)
		if f.Cmd != reader.CmdAuthAnswer || err != nil {
			t.Fatalf("answer 0x%02X %q: %v", f.Cmd, f.Data, err)
		}
		k, _ := cardproof.NewCard(cardproof.Default, issuer, "A00000001")
		if a.CardNo != "A00000001" || a.Counter != want || !bytes.Equal(a.Cryptogram, k.Sign(ch, want)) {
			t.Errorf("answer %+v, want counter %d signed by the card", a, want)
		}
	}
	if f := g.ask(t, []byte("short")); f.Cmd != reader.CmdReaderError || !bytes.Equal(f.Data, []byte{0x04}) {
		t.Errorf("short challenge: answer 0x%02X % X, want reader error 0x04", f.Cmd, f.Data)
	}

	// Muted, the card says nothing; the log shows the AUTH was read.
	g.resp.Mute(true)
	g.tty.Write(reader.EncodeFrame(reader.CmdAuth, ch[:]))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(g.log.String(), "muted card ignores AUTH") {
		if time.Now().After(deadline) {
			t.Fatal("the muted card's AUTH was never read")
		}
		time.Sleep(time.Millisecond)
	}
	g.resp.Mute(false)
	g.resp.Remove()
	if f := g.ask(t, ch[:]); f.Cmd != reader.CmdReaderError {
		t.Errorf("after mute and removal: answer 0x%02X, want a reader error (the muted AUTH unanswered)", f.Cmd)
	}
}
