package chaos

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/creack/pty"

	"posagent/reader"
)

// SerialLine is the simulated card reader: a pseudo-terminal whose far end
// the agent opens as its --reader. The harness keeps both ends open for the
// whole run, so an agent restarted many times finds the same port, and
// reads (and drops) whatever the agent writes to the reader.
type SerialLine struct {
	master, tty *os.File
	mu          sync.Mutex // one swipe at a time
	drained     chan struct{}
}

// OpenSerialLine opens a pseudo-terminal.
func OpenSerialLine() (*SerialLine, error) {
	m, tty, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("serial line: %w", err)
	}
	l := &SerialLine{master: m, tty: tty, drained: make(chan struct{})}
	go func() {
		defer close(l.drained)
		_, _ = io.Copy(io.Discard, m) // ends when the master closes
	}()
	return l, nil
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
	if _, err := l.master.Write(reader.EncodeFrame(reader.CmdCardRemoved, nil)); err != nil {
		return fmt.Errorf("serial line: card removed: %w", err)
	}
	return reader.WriteSwipe(l.master, reader.FormatFrame, card)
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
