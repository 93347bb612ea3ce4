package cardsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"posagent/internal/cardproof"
	"posagent/reader"
)

// Reader error bytes the responder sends (see reader's readerErrors).
const (
	errNoCard     = 0x01 // no card in the reader
	errAuthFailed = 0x04 // card authentication failed
)

// Responder is the simulated reader's answering side: Serve reads the
// frames the host (the agent's reader driver) writes on the line and
// answers every AUTH (0x33) for the card in the reader with 0x43. With no
// card in the reader it answers the reader error 0x45 0x01 ("no card in the
// reader"), as a real reader does; a malformed challenge gets 0x45 0x04
// ("card authentication failed"); a muted card gives no answer at all.
// Other host commands (0x31 read-now) are not answered: swipes are written
// by the caller, through Write.
//
// Write serialises every write to the line, so swipes written by another
// goroutine never interleave with answers. Safe for concurrent use.
type Responder struct {
	line io.Writer
	log  *slog.Logger
	wmu  sync.Mutex // one frame at a time on the line

	mu   sync.Mutex
	card *Card // in the reader; nil when none
	mute bool
}

// NewResponder answers on line (the reader's end: a pty master, or the
// port cardsim opened). log nil: slog.Default().
func NewResponder(line io.Writer, log *slog.Logger) *Responder {
	if log == nil {
		log = slog.Default()
	}
	return &Responder{line: line, log: log}
}

// Write writes b to the line whole, after any answer being written.
func (r *Responder) Write(b []byte) (int, error) {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	return r.line.Write(b)
}

// Insert puts c in the reader (nil: none); AUTH is answered by it from
// now on. Insert it before writing its swipe, so an AUTH sent as soon as
// the swipe is read finds it.
func (r *Responder) Insert(c *Card) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.card = c
}

// Remove takes the card out of the reader.
func (r *Responder) Remove() { r.Insert(nil) }

// Mute makes the card in the reader stop answering AUTH (true) or answer
// again (false), as a faulty chip would.
func (r *Responder) Mute(on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mute = on
}

// hungUpPause is how long Serve waits after a read that returned nothing
// at once (a hung-up line), so it does not spin.
const hungUpPause = 10 * time.Millisecond

// Serve reads line until ctx ends (checked between reads: a line read
// without a timeout must be closed to stop Serve), the line fails, or a
// card cannot move its counter on. It returns nil when ctx ended, else the
// error. A pty master's read blocks until data comes or the tty side is
// hung up (every descriptor of the tty closed): close the tty to stop it.
func (r *Responder) Serve(ctx context.Context, line io.Reader) error {
	var dec reader.FrameDecoder
	buf := make([]byte, 512)
	for ctx.Err() == nil {
		start := time.Now()
		n, err := line.Read(buf)
		for _, f := range dec.Feed(buf[:n]) {
			if herr := r.handle(f); herr != nil {
				return herr
			}
		}
		switch {
		case err != nil && !errors.Is(err, io.EOF):
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("card simulator: read line: %w", err)
		case n == 0 && time.Since(start) < time.Millisecond:
			time.Sleep(hungUpPause)
		}
	}
	return nil
}

// handle acts on one frame from the host.
func (r *Responder) handle(f reader.Frame) error {
	if f.Cmd != reader.CmdAuth {
		return nil
	}
	r.mu.Lock()
	card, mute := r.card, r.mute
	r.mu.Unlock()
	switch {
	case mute:
		r.log.Info("card simulator: muted card ignores AUTH")
		return nil
	case card == nil:
		return r.send(reader.CmdReaderError, []byte{errNoCard})
	case len(f.Data) != cardproof.ChallengeSize:
		return r.send(reader.CmdReaderError, []byte{errAuthFailed})
	}
	a, err := card.Answer(cardproof.Challenge(f.Data))
	if err != nil {
		// The counter cannot move on: answer nothing signed, and stop.
		r.send(reader.CmdReaderError, []byte{errAuthFailed})
		return fmt.Errorf("card simulator: %w", err)
	}
	r.log.Info("card simulator: AUTH answered", "card_no", a.CardNo, "counter", a.Counter)
	return r.send(reader.CmdAuthAnswer, reader.EncodeAuthAnswer(a))
}

func (r *Responder) send(cmd byte, data []byte) error {
	if _, err := r.Write(reader.EncodeFrame(cmd, data)); err != nil {
		return fmt.Errorf("card simulator: write: %w", err)
	}
	return nil
}
