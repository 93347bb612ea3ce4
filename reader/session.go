package reader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

const (
	// maxTrack2Line is the longest track-2 line kept; a longer run of bytes
	// without CR or LF is noise, discarded up to the next line end.
	maxTrack2Line = 256
	// idleFlush is how long the line must be quiet before a partial line or
	// frame is taken to be noise.
	idleFlush = 500 * time.Millisecond
)

// session is the decoding state of one open port.
type session struct {
	r       *Reader
	emit    func(Event)
	decoder FrameDecoder
	dropped uint64 // decoder.Dropped() already counted in the status
	line    []byte
	skip    bool // discarding an over-long track-2 line until its end
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
		s.track2Byte(c)
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
	if len(s.line) > 0 {
		s.line = s.line[:0]
		s.r.readFailed(s.emit, errors.New("track 2: incomplete line (no CR or LF)"))
	}
	s.skip = false
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

// track2Byte adds one byte to the current line, parsing the line at CR or
// LF.
func (s *session) track2Byte(c byte) {
	switch {
	case c == '\r' || c == '\n':
		if len(s.line) > 0 && !s.skip {
			s.track2Line(s.line)
		}
		s.line, s.skip = s.line[:0], false
	case s.skip:
	case len(s.line) >= maxTrack2Line:
		s.line, s.skip = s.line[:0], true
		s.r.readFailed(s.emit, fmt.Errorf("track 2: line longer than %d bytes discarded", maxTrack2Line))
	default:
		s.line = append(s.line, c)
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
