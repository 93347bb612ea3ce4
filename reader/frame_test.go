package reader

import (
	"bytes"
	"slices"
	"testing"
)

func TestFrameDecoder(t *testing.T) {
	read := EncodeFrame(CmdCardRead, []byte("110105|..."))
	removed := EncodeFrame(CmdCardRemoved, nil)
	errFrame := EncodeFrame(CmdReaderError, []byte{0x02})
	badBCC := bytes.Clone(read)
	badBCC[len(badBCC)-2] ^= 0x55
	noETX := bytes.Clone(removed)
	noETX[len(noETX)-1] = 0x00
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

	cases := []struct {
		name    string
		stream  []byte
		want    []Frame
		dropped uint64
	}{
		{"one frame", read, []Frame{{CmdCardRead, []byte("110105|...")}}, 0},
		{"garbage before and between", cat([]byte("\x00\xffjunk"), removed, []byte("\x03\x03"), errFrame),
			[]Frame{{CmdCardRemoved, []byte{}}, {CmdReaderError, []byte{0x02}}}, 0},
		{"bad BCC then good", cat(badBCC, removed), []Frame{{CmdCardRemoved, []byte{}}}, 1},
		{"missing ETX then good", cat(noETX, errFrame), []Frame{{CmdReaderError, []byte{0x02}}}, 1},
		{"LEN 0", cat([]byte{stx, 0, 0}, removed), []Frame{{CmdCardRemoved, []byte{}}}, 1},
		{"LEN above 1024", cat([]byte{stx, 0x04, 0x01}, removed), []Frame{{CmdCardRemoved, []byte{}}}, 1},
		// A bad frame whose claimed length covers a good frame: decoding
		// resumes just after the bad STX and finds the good one.
		{"good frame inside a bad one", cat([]byte{stx, 0x00, 0x09, 0x41}, removed, []byte{0xEE, 0xEE, 0xEE, 0xEE}),
			[]Frame{{CmdCardRemoved, []byte{}}}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, chunk := range []int{len(c.stream), 1, 2, 7} {
				var d FrameDecoder
				var got []Frame
				for b := range slices.Chunk(c.stream, chunk) {
					got = append(got, d.Feed(b)...)
				}
				if !framesEqual(got, c.want) || d.Dropped() != c.dropped {
					t.Errorf("chunks of %d: frames %v dropped %d, want %v dropped %d", chunk, got, d.Dropped(), c.want, c.dropped)
				}
			}
		})
	}
}

func framesEqual(a, b []Frame) bool {
	return slices.EqualFunc(a, b, func(x, y Frame) bool { return x.Cmd == y.Cmd && bytes.Equal(x.Data, y.Data) })
}

func TestFrameDecoderIdleDropsPartialFrame(t *testing.T) {
	var d FrameDecoder
	removed := EncodeFrame(CmdCardRemoved, nil)
	// A stray STX promising 0x0300 bytes hides a good frame until Idle.
	if got := d.Feed(append([]byte{stx, 0x03, 0x00}, removed...)); len(got) != 0 {
		t.Fatalf("frames before idle: %v", got)
	}
	got := d.Idle()
	if !framesEqual(got, []Frame{{CmdCardRemoved, []byte{}}}) || d.Dropped() != 1 {
		t.Errorf("Idle = %v, dropped %d; want the hidden frame, 1 dropped", got, d.Dropped())
	}
	if got := d.Idle(); len(got) != 0 || d.Dropped() != 1 {
		t.Errorf("second Idle = %v, dropped %d; want nothing more", got, d.Dropped())
	}
}

func TestFrameDecoderMemoryStaysBounded(t *testing.T) {
	var d FrameDecoder
	noise := bytes.Repeat([]byte{stx, 0x04, 0x00, 0x41}, 1<<16) // 256 KiB of STX with a large LEN
	for range 4 {
		d.Feed(noise)
	}
	if c := cap(d.buf); c > 4*(MaxFrameLen+frameOverhead) {
		t.Errorf("buffer capacity %d after noise, want at most %d", c, 4*(MaxFrameLen+frameOverhead))
	}
	got := append(d.Feed(EncodeFrame(CmdCardRemoved, nil)), d.Idle()...)
	if !framesEqual(got, []Frame{{CmdCardRemoved, []byte{}}}) {
		t.Errorf("frame after noise: %v, want the card-removed frame", got)
	}
}

func TestEncodeFrameLayout(t *testing.T) {
	got := EncodeFrame(CmdReaderError, []byte{0x02})
	// LEN 0x0002, CMD 0x45, DATA 0x02; BCC = 0x00^0x02^0x45^0x02 = 0x45.
	want := []byte{0x02, 0x00, 0x02, 0x45, 0x02, 0x45, 0x03}
	if !bytes.Equal(got, want) {
		t.Errorf("EncodeFrame = % X, want % X", got, want)
	}
}

func FuzzFrameDecoder(f *testing.F) {
	f.Add(EncodeFrame(CmdCardRead, []byte("110105|x")), uint8(3))
	f.Add(append([]byte("junk\x02\x00"), EncodeFrame(CmdCardRemoved, nil)...), uint8(1))
	f.Add([]byte{stx, 0x00, 0x09, 0x41, 0x02, 0x00, 0x01, 0x42, 0x43, 0x03}, uint8(2))
	f.Add([]byte{stx, 0x04, 0x01, stx, 0x00, 0x00}, uint8(0))
	f.Fuzz(func(t *testing.T, stream []byte, chunk uint8) {
		var whole FrameDecoder
		want := whole.Feed(stream)
		var split FrameDecoder
		var got []Frame
		for b := range slices.Chunk(stream, int(chunk)+1) {
			got = append(got, split.Feed(b)...)
		}
		if !framesEqual(got, want) || split.Dropped() != whole.Dropped() {
			t.Fatalf("split into %d-byte chunks: %d frames dropped %d, whole: %d frames dropped %d",
				int(chunk)+1, len(got), split.Dropped(), len(want), whole.Dropped())
		}
		for i, fr := range append(want, whole.Idle()...) {
			if len(fr.Data) >= MaxFrameLen {
				t.Fatalf("frame with %d data bytes", len(fr.Data))
			}
			enc := EncodeFrame(fr.Cmd, fr.Data)
			if i < 8 && !bytes.Contains(stream, enc) { // a few: Contains is O(len(stream))
				t.Fatalf("frame % X is not in the stream", enc)
			}
			var d FrameDecoder
			if again := d.Feed(enc); !framesEqual(again, []Frame{fr}) || d.Dropped() != 0 {
				t.Fatalf("re-encoded frame does not decode to itself")
			}
		}
	})
}

func BenchmarkFrameDecoderFeed(b *testing.B) {
	data, err := EncodeCardRecord(CardRecord{Region: "110105", PersonID: "11010519491231002X", CardNo: "A00000001",
		CardID: "0123456789abcdef0123456789abcdef", Name: "张三", ATR: "3B6D", Version: "3.00",
		IssueDate: "20200101", Expiry: "20300101"})
	if err != nil {
		b.Fatal(err)
	}
	stream := bytes.Repeat(append([]byte("noise"), EncodeFrame(CmdCardRead, data)...), 16)
	b.SetBytes(int64(len(stream)))
	var d FrameDecoder
	for b.Loop() {
		if got := d.Feed(stream); len(got) != 16 {
			b.Fatalf("%d frames", len(got))
		}
	}
}
