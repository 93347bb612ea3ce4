package chaos

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/creack/pty"

	"posagent/internal/cardproof"
	"posagent/internal/cardsim"
	"posagent/reader"
	"posagent/sync/wire"
)

// SerialLine is the simulated card reader: a pseudo-terminal whose far end
// the agent opens as its --reader. The harness keeps both ends open for the
// whole run, so an agent restarted many times finds the same port, and
// reads whatever the agent writes to the reader: AUTH is answered (see
// UseIssuerKey), everything else dropped.
type SerialLine struct {
	master, tty *os.File
	resp        *cardsim.Responder
	mu          sync.Mutex // one swipe at a time
	cards       *cardsim.Deck
	drained     chan struct{}
}

// OpenSerialLine opens a pseudo-terminal.
func OpenSerialLine() (*SerialLine, error) {
	m, tty, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("serial line: %w", err)
	}
	l := &SerialLine{master: m, tty: tty, drained: make(chan struct{}),
		resp: cardsim.NewResponder(m, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	go func() {
		defer close(l.drained)
		_ = l.resp.Serve(context.Background(), m) // ends when the line is hung up
	}()
	return l, nil
}

// UseIssuerKey makes the cards inserted from now on IC cards that answer
// AUTH with keys derived from issuer (counters in memory). Until it is
// called, AUTH gets the reader error "no card in the reader".
func (l *SerialLine) UseIssuerKey(issuer cardproof.IssuerKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cards = cardsim.NewDeck(issuer, nil)
}

// Path is the port the agent opens.
func (l *SerialLine) Path() string { return l.tty.Name() }

// Insert writes what an IC reader sends when the card in it is taken out
// and card is put in: a card-removed frame, then a card-read frame. The
// removal also clears the reader's debounce memory, so a card inserted
// again soon after is a new swipe.
func (l *SerialLine) Insert(card reader.CardFile) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.resp.Remove()
	if _, err := l.resp.Write(reader.EncodeFrame(reader.CmdCardRemoved, nil)); err != nil {
		return fmt.Errorf("serial line: card removed: %w", err)
	}
	if l.cards != nil {
		ic, err := l.cards.Card(card.CardNo)
		if err != nil {
			return fmt.Errorf("serial line: %w", err)
		}
		l.resp.Insert(ic)
	}
	return reader.WriteSwipe(l.resp, reader.FormatFrame, card)
}

// Close closes both ends.
func (l *SerialLine) Close() error {
	err := l.master.Close()
	if terr := l.tty.Close(); err == nil {
		err = terr
	}
	<-l.drained
	if err != nil {
		return fmt.Errorf("serial line: close: %w", err)
	}
	return nil
}

// ScannerLine is the simulated QR scanner of 医保电子凭证: a
// pseudo-terminal whose far end the agent opens as its --scanner, kept
// open for the whole run like the reader's line.
type ScannerLine struct {
	master, tty *os.File
	mu          sync.Mutex // one scan at a time
	drained     chan struct{}
}

// OpenScannerLine opens a pseudo-terminal for the scanner.
func OpenScannerLine() (*ScannerLine, error) {
	m, tty, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("scanner line: %w", err)
	}
	l := &ScannerLine{master: m, tty: tty, drained: make(chan struct{})}
	go func() {
		defer close(l.drained)
		_, _ = io.Copy(io.Discard, m) // a scanner reads nothing; ends when the line is hung up
	}()
	return l, nil
}

// Path is the port the agent opens.
func (l *ScannerLine) Path() string { return l.tty.Name() }

// Scan writes one scan of the e-voucher's QR code: EC1:token, CR LF.
func (l *ScannerLine) Scan(token string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.master.Write([]byte(wire.VoucherPrefix + token + "\r\n")); err != nil {
		return fmt.Errorf("scanner line: %w", err)
	}
	return nil
}

// Close closes both ends.
func (l *ScannerLine) Close() error {
	err := l.tty.Close()
	if merr := l.master.Close(); err == nil {
		err = merr
	}
	<-l.drained
	if err != nil {
		return fmt.Errorf("scanner line: close: %w", err)
	}
	return nil
}
