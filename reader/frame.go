package reader

import "bytes"

// The IC-reader frame of SPEC §4:
//
//	STX(0x02) LEN(2, big-endian) CMD(1) DATA(LEN-1) BCC(1) ETX(0x03)
//
// BCC is the XOR of every byte from LEN through DATA.
const (
	stx = 0x02
	etx = 0x03

	// MaxFrameLen is the largest LEN (CMD plus DATA) the decoder accepts.
	MaxFrameLen = 1024
	// frameOverhead is STX, LEN, BCC and ETX.
	frameOverhead = 5
)

// Frame commands.
const (
	CmdReadNow     = 0x31 // host to reader: read the card now
	CmdAuth        = 0x33 // host to reader: DATA is a 32-byte challenge (SPEC §10)
	CmdCardRead    = 0x41 // reader to host: DATA is the basic record
	CmdCardRemoved = 0x42 // reader to host: no DATA
	CmdAuthAnswer  = 0x43 // reader to host: DATA is an AuthAnswer
	CmdReaderError = 0x45 // reader to host: DATA is one error byte
)

// Frame is one decoded frame.
type Frame struct {
	Cmd  byte
	Data []byte
}

// EncodeFrame builds the frame for cmd and data. data must be shorter than
// MaxFrameLen for a decoder to accept the frame; EncodeFrame does not check,
// so tests can build bad frames.
func EncodeFrame(cmd byte, data []byte) []byte {
	n := len(data) + 1
	b := make([]byte, 0, n+frameOverhead)
	b = append(b, stx, byte(n>>8), byte(n), cmd)
	b = append(b, data...)
	return append(b, bcc(b[1:]), etx)
}

// bcc is the XOR of b.
func bcc(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

// FrameDecoder turns bytes arriving in any split into frames. Bytes before
// an STX are skipped. A candidate frame whose LEN is 0 or above MaxFrameLen,
// whose BCC is wrong or whose ETX is missing is dropped and counted, and
// decoding resumes at the next STX after the bad frame's STX, so a good
// frame hidden inside a bad one's claimed length is still found.
//
// The zero value is ready to use. A FrameDecoder is not safe for concurrent
// use. It holds at most one incomplete frame (MaxFrameLen+5 bytes) between
// calls.
type FrameDecoder struct {
	buf     []byte
	dropped uint64
}

// Feed adds b and returns the frames completed by it, in order. The returned
// frames do not alias b or the decoder's buffer.
func (d *FrameDecoder) Feed(b []byte) []Frame {
	d.buf = append(d.buf, b...)
	var frames []Frame
	off := 0
	for {
		i := bytes.IndexByte(d.buf[off:], stx)
		if i < 0 {
			off = len(d.buf)
			break
		}
		off += i
		f, n := d.next(d.buf[off:])
		if n == 0 {
			break // incomplete: wait for more bytes
		}
		off += n
		if f != nil {
			frames = append(frames, *f)
		}
	}
	d.keep(off)
	return frames
}

// next looks at b, which starts with STX. It returns the frame and the bytes
// it used; a nil frame with n == 1 means the candidate was dropped; n == 0
// means more bytes are needed.
func (d *FrameDecoder) next(b []byte) (*Frame, int) {
	if len(b) < 3 {
		return nil, 0
	}
	n := int(b[1])<<8 | int(b[2])
	if n == 0 || n > MaxFrameLen {
		d.dropped++
		return nil, 1
	}
	total := n + frameOverhead
	if len(b) < total {
		return nil, 0
	}
	if b[total-1] != etx || bcc(b[1:total-2]) != b[total-2] {
		d.dropped++
		return nil, 1
	}
	return &Frame{Cmd: b[3], Data: bytes.Clone(b[4 : total-2])}, total
}

// keep discards the first off bytes of the buffer, moving the rest to the
// front, and lets go of a buffer grown large by one big Feed, so memory stays
// bounded however long the stream runs.
func (d *FrameDecoder) keep(off int) {
	n := copy(d.buf, d.buf[off:])
	d.buf = d.buf[:n]
	if cap(d.buf) > 4*(MaxFrameLen+frameOverhead) {
		d.buf = bytes.Clone(d.buf)
	}
}

// Idle tells the decoder the line has gone quiet. An incomplete frame
// waiting for more bytes is then taken to be noise (an STX whose LEN
// promises bytes that never come): it is dropped and counted, and the bytes
// after its STX are decoded again. It returns the frames that uncovers.
// Reader calls it after a read timeout.
func (d *FrameDecoder) Idle() []Frame {
	var frames []Frame
	for len(d.buf) > 0 {
		d.dropped++
		d.keep(1)
		frames = append(frames, d.Feed(nil)...)
	}
	return frames
}

// Dropped returns the number of frames dropped so far.
func (d *FrameDecoder) Dropped() uint64 { return d.dropped }
