package reader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// idleFlush is how long the line must be quiet before a partial line or
// frame is taken to be noise.
const idleFlush = 500 * time.Millisecond

// session is the decoding state of one open port.
type session struct {
	r       *Reader
	emit    func(Event)
	decoder FrameDecoder
	dropped uint64 // decoder.Dropped() already counted in the status
	lines   lineSplitter
	last    time.Time
}

// serve reads the open port until it fails or ctx is done. healthy reports
// whether the port delivered data or stayed open long enough that the
// reopen backoff should start again from MinBackoff.
func (r *Reader) serve(ctx context.Context, p *port, emit func(Event)) (healthy bool, err error) {
	clk := r.cfg.Clock
	opened := clk.Now()
	defer func() { healthy = healthy || clk.Now().Sub(opened) > r.cfg.MaxBackoff }()
	r.forget()
	if r.cfg.Format == FormatFrame {
		if err := p.write(EncodeFrame(CmdReadNow, nil)); err != nil {
			return false, err
		}
		// Published after the read-now frame, so Auth's writes never
		// interleave with it, and before the "open" event, so Auth works
		// once it is seen; unpublished before Run closes the port.
		r.portOpened(p)
		defer r.portClosed()
	}
	r.setState(StateOpen, nil, emit)
	s := &session{r: r, emit: emit, last: clk.Now()}
	buf := make([]byte, 512)
	for ctx.Err() == nil {
		// How long a read took tells a hung-up port from a quiet one
		// (port.empty): the operating system's real time, not the clock's.
		start := time.Now()
		n, err := p.sp.Read(buf)
		if n > 0 {
			healthy = true
			p.fast = 0
			s.feed(buf[:n])
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return healthy, fmt.Errorf("%w: %w", ErrPortGone, err) // err names the path
		}
		if n == 0 {
			s.quiet()
			if err := p.empty(time.Since(start)); err != nil {
				return healthy, err
			}
		}
	}
	return healthy, nil
}

// feed decodes bytes read from the port.
func (s *session) feed(b []byte) {
	s.last = s.r.cfg.Clock.Now()
	if s.r.cfg.Format == FormatFrame {
		s.frames(s.decoder.Feed(b))
		return
	}
	for _, c := range b {
		s.lineByte(c)
	}
}

// quiet is called after a read that returned nothing. Once the line has
// been quiet for idleFlush, a partial line or frame is noise.
func (s *session) quiet() {
	if s.r.cfg.Clock.Now().Sub(s.last) < idleFlush {
		return
	}
	if s.r.cfg.Format == FormatFrame {
		s.frames(s.decoder.Idle())
		return
	}
	if s.lines.idle() {
		s.r.readFailed(s.emit, fmt.Errorf("%s: incomplete line (no CR or LF)", s.r.lineKind()))
	}
}

// frames counts the frames the decoder dropped, then acts on the good
// ones, so that the status is current when their events are emitted.
func (s *session) frames(fs []Frame) {
	if d := s.decoder.Dropped() - s.dropped; d > 0 {
		s.dropped += d
		s.r.update(func(st *Status) { st.BadFrames += d })
		s.r.log.Info("bad frames dropped", "count", d)
	}
	for _, f := range fs {
		s.frame(f)
	}
}

// lineByte adds one byte to the current line (track 2 or scanner),
// acting on the line at CR or LF.
func (s *session) lineByte(c byte) {
	line, tooLong := s.lines.add(c)
	switch {
	case tooLong:
		s.r.readFailed(s.emit, fmt.Errorf("%s: line longer than %d bytes discarded", s.r.lineKind(), maxLine))
	case line == nil:
	case s.r.cfg.Format == FormatScanner:
		s.scanLine(line)
	default:
		s.track2Line(line)
	}
}

func (s *session) track2Line(line []byte) {
	c, err := ParseTrack2(line)
	if err != nil {
		s.r.readFailed(s.emit, err)
		return
	}
	s.r.cardRead(s.emit, c)
}

// scanLine emits a scanner's line, uninterpreted, if it is printable.
func (s *session) scanLine(line []byte) {
	if err := checkScan(line); err != nil {
		s.r.readFailed(s.emit, err)
		return
	}
	s.r.scanned(s.emit, string(line))
}

// frame acts on one decoded frame.
func (s *session) frame(f Frame) {
	switch f.Cmd {
	case CmdCardRead:
		c, err := ParseCardRecord(f.Data)
		if err != nil {
			s.r.readFailed(s.emit, err)
			return
		}
		s.r.cardIn(c.CardNo)
		s.r.cardRead(s.emit, c)
	case CmdCardRemoved:
		s.r.forget()
		s.r.cardOut()
		s.emit(Event{Type: EventCardRemoved, At: s.r.cfg.Clock.Now()})
	case CmdAuthAnswer:
		s.r.authAnswer(f.Data)
	case CmdReaderError:
		// While an AUTH waits, an error frame is its answer ("card
		// authentication failed"), not a failed read.
		if !s.r.authReaderError(f.Data) {
			s.r.readFailed(s.emit, readerError(f.Data))
		}
	default:
		s.r.update(func(st *Status) { st.BadFrames++ })
		s.r.log.Info("frame with unknown command ignored", "cmd", fmt.Sprintf("0x%02X", f.Cmd))
	}
}
