//go:build linux

package reader

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

func cardFrame(t testing.TB, r CardRecord) []byte {
	t.Helper()
	data, err := EncodeCardRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	return EncodeFrame(CmdCardRead, data)
}

// readN reads exactly n bytes the Reader wrote to the line.
func readN(t testing.TB, line *fakeReader, n int) []byte {
	t.Helper()
	line.master.SetReadDeadline(time.Now().Add(waitLimit))
	b := make([]byte, n)
	if _, err := io.ReadFull(line.master, b); err != nil {
		t.Fatalf("read from reader line: %v", err)
	}
	return b
}

func TestReaderFrameAwkwardSplits(t *testing.T) {
	line := openPTY(t)
	r, rec := startReader(t, Config{Port: line.path(), Format: FormatFrame})
	if got, want := readN(t, line, 6), EncodeFrame(CmdReadNow, nil); !bytes.Equal(got, want) {
		t.Fatalf("after open the reader sent % X, want read-now % X", got, want)
	}

	zhang := cardFrame(t, testRecord(t, "A00000001", "张三丰", "11010519600315001"))
	line.writeBytewise(t, zhang)
	ev := rec.waitN(t, 1, "张三丰", isCard("A00000001"))[0]
	want := Card{CardNo: "A00000001", Name: "张三丰", Sex: "M", Birth: "1960-03-15", Region: "110105",
		Expiry: "2030-01-01", Source: "frame", PersonID: ev.Card.PersonID, ReadAt: ev.Card.ReadAt,
		ICC: "0123456789abcdef0123456789ABCDEF", ATR: "3B6D00008031"}
	if *ev.Card != want || ev.Card.Problem != "" {
		t.Errorf("card = %+v, want %+v", *ev.Card, want)
	}

	// Garbage, a frame with a bad BCC, then two good frames in one write.
	ouyang := cardFrame(t, testRecord(t, "A00000002", "欧阳娜娜", "11010519850722002"))
	badBCC := cardFrame(t, testRecord(t, "A00000003", "王五", "11010519720910013"))
	badBCC[len(badBCC)-2] ^= 0xFF
	var w bytes.Buffer
	w.Write([]byte{0xFF, 0x00, 'x', 0x03})
	w.Write(badBCC)
	w.Write([]byte("noise"))
	w.Write(ouyang)
	w.Write(EncodeFrame(CmdCardRemoved, nil))
	w.Write(EncodeFrame(CmdReaderError, []byte{0x02}))
	line.write(t, w.Bytes())

	ev = rec.waitN(t, 1, "欧阳娜娜", isCard("A00000002"))[0]
	if ev.Card.Name != "欧阳娜娜" || ev.Card.Sex != "F" || ev.Card.Birth != "1985-07-22" {
		t.Errorf("card = %+v, want 欧阳娜娜, F, 1985-07-22", *ev.Card)
	}
	rec.waitN(t, 1, "card removed", func(ev Event) bool { return ev.Type == EventCardRemoved })
	errs := rec.waitN(t, 1, "reader error", isReadError)
	if !strings.Contains(errs[0].Error, "0x02") || !strings.Contains(errs[0].Error, "card read failed") {
		t.Errorf("reader error event %q does not describe error byte 0x02", errs[0].Error)
	}
	if n := len(rec.matching(isCard("A00000003"))); n != 0 {
		t.Errorf("the frame with a bad BCC gave %d card events", n)
	}
	st := r.Status()
	if st.BadFrames != 1 || st.Swipes != 2 || st.BadReads != 1 {
		t.Errorf("status = %+v, want 1 bad frame, 2 swipes, 1 bad read", st)
	}
}

func TestReaderFrameRemovalEndsDebounce(t *testing.T) {
	line := openPTY(t)
	_, rec := startReader(t, Config{Port: line.path(), Format: FormatFrame})
	rec.waitN(t, 1, "open", isState(StateOpen))
	card := cardFrame(t, testRecord(t, "A00000001", "张三", "11010519600315001"))

	// Read twice while inserted: one swipe. Removed and inserted again:
	// a new swipe, even within the debounce window.
	line.write(t, append(append(bytes.Clone(card), card...), EncodeFrame(CmdCardRemoved, nil)...))
	rec.waitN(t, 1, "removal", func(ev Event) bool { return ev.Type == EventCardRemoved })
	line.write(t, card)
	rec.waitN(t, 2, "second insertion", isCard("A00000001"))
	if n := len(rec.matching(isCard("A00000001"))); n != 2 {
		t.Errorf("got %d card events, want 2", n)
	}
}

func TestReaderFrameBadRecordAndProblem(t *testing.T) {
	line := openPTY(t)
	r, rec := startReader(t, Config{Port: line.path(), Format: FormatFrame})
	rec.waitN(t, 1, "open", isState(StateOpen))

	badID := testRecord(t, "A00000002", "李四", "11010519850722002")
	badID.PersonID = badID.PersonID[:17] + "3"
	if badID.PersonID == testRecord(t, "A00000002", "李四", "11010519850722002").PersonID {
		t.Fatal("test id must have a wrong check character")
	}
	line.write(t, EncodeFrame(CmdCardRead, []byte("110105|short|A00000009")))
	line.write(t, cardFrame(t, badID))

	ev := rec.waitN(t, 1, "card with a problem", isCard("A00000002"))[0]
	if !strings.Contains(ev.Card.Problem, "check character is 3") {
		t.Errorf("problem = %q, want the wrong check character named", ev.Card.Problem)
	}
	errs := rec.matching(isReadError)
	if len(errs) != 1 || !strings.Contains(errs[0].Error, "field count") {
		t.Errorf("want one field-count read error; events: %s", describe(rec.all()))
	}
	if st := r.Status(); st.BadReads != 1 || st.Swipes != 1 {
		t.Errorf("status = %+v, want 1 bad read, 1 swipe", st)
	}
}

func TestReaderFrameNoiseSTXFlushedWhenQuiet(t *testing.T) {
	line := openPTY(t)
	r, rec := startReader(t, Config{Port: line.path(), Format: FormatFrame})
	rec.waitN(t, 1, "open", isState(StateOpen))

	// A stray STX whose LEN promises 1000 bytes swallows the card frame
	// behind it until the line goes quiet; then the card is found.
	noise := []byte{stx, 0x03, 0xE8}
	line.write(t, append(noise, cardFrame(t, testRecord(t, "A00000001", "张三", "11010519600315001"))...))
	rec.waitN(t, 1, "card behind noise", isCard("A00000001"))
	if st := r.Status(); st.BadFrames != 1 {
		t.Errorf("bad frames = %d, want 1", st.BadFrames)
	}
}
