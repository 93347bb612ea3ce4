package reader

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/tarm/serial"
)

// readTimeout bounds each read, so Run notices cancellation and a lost port.
const readTimeout = 100 * time.Millisecond

// fastEmptyLimit is how many reads in a row may return no data well before
// readTimeout before the port is taken to be hung up.
const fastEmptyLimit = 3

// ErrPortGone means the open port stopped working: it was hung up (USB
// unplugged, pseudo-terminal master closed) or its path now names another
// device or nothing.
var ErrPortGone = errors.New("port gone")

// port is one open serial port.
//
// Telling "no data yet" from "port gone" on Linux: tarm/serial sets VMIN=0,
// VTIME=readTimeout, so a read with nothing to deliver returns no bytes
// (os.File reports io.EOF) after about readTimeout. A hung-up tty (the
// kernel hangs up a pseudo-terminal's slave when its master closes, and a
// USB serial port when it is unplugged) also returns no bytes, or EIO, but
// at once. So:
//   - a read error other than io.EOF means the port is gone;
//   - fastEmptyLimit empty reads in a row that each return in under half of
//     readTimeout mean it is hung up;
//   - after every empty read the path is stat'ed again: when it no longer
//     exists, or names a different file than at open (a replugged device, a
//     re-pointed symlink), the port is gone.
//
// Windows COM port names ("COM3") cannot be stat'ed; there the stat check
// is skipped and a lost port shows as a read error.
//
// The stat check alone is not enough (a new pseudo-terminal may reuse the
// same /dev/pts number and inode), nor the timing alone (a busy machine may
// delay a hung-up read); together they catch both.
type port struct {
	sp    *serial.Port
	path  string
	ident os.FileInfo // nil when the path cannot be stat'ed
	fast  int         // empty reads in a row that returned early
}

// openPort opens cfg.Port and remembers which file it is.
func openPort(cfg Config) (*port, error) {
	sp, err := serial.OpenPort(&serial.Config{Name: cfg.Port, Baud: cfg.Baud, ReadTimeout: readTimeout})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.Port, err)
	}
	fi, _ := os.Stat(cfg.Port) // nil for a COM port name
	return &port{sp: sp, path: cfg.Port, ident: fi}, nil
}

// write sends b to the reader.
func (p *port) write(b []byte) error {
	if _, err := p.sp.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", p.path, err)
	}
	return nil
}

// empty is called after a read that returned no data and took took; it
// returns an error wrapping ErrPortGone when the port is gone.
func (p *port) empty(took time.Duration) error {
	if took < readTimeout/2 {
		p.fast++
	} else {
		p.fast = 0
	}
	if p.fast >= fastEmptyLimit {
		return fmt.Errorf("%s: %w: hung up", p.path, ErrPortGone)
	}
	if p.ident == nil {
		return nil
	}
	fi, err := os.Stat(p.path)
	if err != nil {
		return fmt.Errorf("%s: %w: %v", p.path, ErrPortGone, err)
	}
	if !os.SameFile(p.ident, fi) {
		return fmt.Errorf("%s: %w: it now names another device", p.path, ErrPortGone)
	}
	return nil
}

// close closes the port; an error closing a lost port is of no use.
func (p *port) close() { p.sp.Close() }
