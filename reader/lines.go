package reader

import "fmt"

// maxLine is the longest track-2 or scanner line kept; a longer run of
// bytes without CR or LF is noise, discarded up to the next line end.
const maxLine = 256

// lineSplitter cuts the byte stream of a line-based reader (track 2, QR
// scanner) into lines ended by CR and/or LF. It is pure: the session
// feeds it bytes and acts on what it returns.
type lineSplitter struct {
	line []byte
	skip bool // discarding an over-long line until its end
}

// add takes one byte. At a line end it returns the line (nil for an empty
// line or the end of a discarded one); when the line grows past maxLine it
// returns tooLong once and discards the rest of that line. The returned
// line is only valid until the next call.
func (l *lineSplitter) add(c byte) (line []byte, tooLong bool) {
	switch {
	case c == '\r' || c == '\n':
		if len(l.line) > 0 && !l.skip {
			line = l.line
		}
		l.line, l.skip = l.line[:0], false
		return line, false
	case l.skip:
		return nil, false
	case len(l.line) >= maxLine:
		l.line, l.skip = l.line[:0], true
		return nil, true
	}
	l.line = append(l.line, c)
	return nil, false
}

// idle is called once the line has been quiet: a partial line is noise.
// It reports whether one was dropped (a discarded over-long line was
// already reported).
func (l *lineSplitter) idle() (dropped bool) {
	dropped = len(l.line) > 0
	l.line, l.skip = l.line[:0], false
	return dropped
}

// checkScan returns an error unless line is printable ASCII (0x20–0x7E),
// which is all a QR scanner in keyboard-wedge serial mode sends for the
// codes we read.
func checkScan(line []byte) error {
	for i, c := range line {
		if c < 0x20 || c > 0x7E {
			return fmt.Errorf("scanner: byte %d of the line is 0x%02X, not printable ASCII; line refused", i, c)
		}
	}
	return nil
}
