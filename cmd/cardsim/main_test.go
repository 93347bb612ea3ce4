//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"posagent/internal/cardproof"
	"posagent/reader"
)

// line is a pseudo-terminal: cardsim writes the tty path, the test reads
// the master as the agent's port would.
func line(t *testing.T) (master *os.File, path string) {
	t.Helper()
	m, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); tty.Close() })
	return m, tty.Name()
}

// readAll reads what arrives on master until it stays quiet.
func readAll(t *testing.T, master *os.File, want int) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, 4096)
	for len(got) < want {
		master.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := master.Read(buf)
		if err != nil {
			t.Fatalf("read after %d of %d bytes: %v", len(got), want, err)
		}
		got = append(got, buf[:n]...)
	}
	return got
}

func card(t *testing.T, name string) string {
	return filepath.Join("..", "..", "testdata", "cards", name)
}

func TestCardsimFrameWithRemoval(t *testing.T) {
	master, path := line(t)
	var out bytes.Buffer
	args := []string{"--port", path, "--format", "frame", "--card", card(t, "zhang-san.json"),
		"--remove-after", "10ms", "--repeat", "2", "--interval", "10ms"}
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	cf, err := reader.LoadCardFile(card(t, "zhang-san.json"))
	if err != nil {
		t.Fatal(err)
	}
	var one bytes.Buffer
	reader.WriteSwipe(&one, reader.FormatFrame, cf)
	removed := reader.EncodeFrame(reader.CmdCardRemoved, nil)

	var d reader.FrameDecoder
	frames := d.Feed(readAll(t, master, 2*(one.Len()+len(removed))))
	if len(frames) != 4 || d.Dropped() != 0 {
		t.Fatalf("got %d frames, %d dropped; want 4 good", len(frames), d.Dropped())
	}
	for i, f := range frames {
		want := byte(reader.CmdCardRead)
		if i%2 == 1 {
			want = reader.CmdCardRemoved
		}
		if f.Cmd != want {
			t.Errorf("frame %d: cmd 0x%02X, want 0x%02X", i, f.Cmd, want)
		}
	}
	c, err := reader.ParseCardRecord(frames[0].Data)
	if err != nil || c.CardNo != "A00000001" || c.Name != "张三" {
		t.Errorf("card %+v, %v", c, err)
	}
	if got := out.String(); strings.Count(got, "swiped A00000001 (frame)") != 2 || strings.Count(got, "removed") != 2 {
		t.Errorf("output %q", got)
	}
}

func TestCardsimTrack2Swipe(t *testing.T) {
	master, path := line(t)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--port", path, "--swipe", "6212000011112222"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := reader.EncodeTrack2("6212000011112222", "3912", "120", "", true)
	got := readAll(t, master, len(want))
	if !bytes.Equal(got, want) {
		t.Errorf("line %q, want %q", got, want)
	}
	c, err := reader.ParseTrack2(got)
	if err != nil || c.CardNo != "6212000011112222" {
		t.Errorf("parsed %+v, %v", c, err)
	}
}

func TestCardsimVoucherScan(t *testing.T) {
	master, path := line(t)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--port", path, "--voucher", "ABCDEFGHIJ234567"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := "EC1:ABCDEFGHIJ234567\r\n"
	if got := readAll(t, master, len(want)); string(got) != want {
		t.Errorf("line %q, want %q", got, want)
	}
	if !strings.Contains(out.String(), "scanned e-voucher EC1:ABCDEFGHIJ234567") {
		t.Errorf("output %q does not report the scan", out.String())
	}
	// --format scanner said outright is the same.
	if err := run(context.Background(), []string{"--port", path, "--format", "scanner", "--voucher", "XYZ"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, master, len("EC1:XYZ\r\n")); string(got) != "EC1:XYZ\r\n" {
		t.Errorf("line %q, want EC1:XYZ", got)
	}
}

func TestCardsimUsageErrors(t *testing.T) {
	cases := [][]string{
		{"--swipe", "A00000001"},
		{"--port", "/dev/null"},
		{"--port", "/dev/null", "--swipe", "A00000001", "--card", "x.json"},
		{"--port", "/dev/null", "--swipe", "A00000001", "--format", "ascii"},
		{"--port", "/dev/null", "--swipe", "A00000001", "--remove-after", "1s"},
		{"--port", "/dev/null", "--swipe", "A00000001", "--repeat", "0"},
		{"--port", "/dev/null", "--swipe", "A00000001", "extra"},
		{"--port", "/dev/null", "--swipe", "A00000001", "--issuer-key", "k", "--counter", "c"}, // track 2
		{"--port", "/dev/null", "--swipe", "A00000001", "--format", "frame", "--issuer-key", "k"},
		{"--port", "/dev/null", "--swipe", "A00000001", "--format", "frame", "--counter", "c"},
		{"--port", "/dev/null", "--voucher", "ABC", "--format", "frame"},
		{"--port", "/dev/null", "--voucher", "ABC", "--swipe", "A00000001"},
		{"--port", "/dev/null", "--voucher", "ABC", "--repeat", "2"},
		{"--port", "/dev/null", "--voucher", "AB:C"},
		{"--port", "/dev/null", "--format", "scanner", "--swipe", "A00000001"},
	}
	for _, args := range cases {
		if err := run(context.Background(), args, io.Discard, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	_, path := line(t)
	if err := run(context.Background(), []string{"--port", path, "--format", "frame", "--swipe", "12"}, io.Discard, io.Discard); err == nil {
		t.Error("a frame swipe of a 2-character card number was sent")
	}
	if err := run(context.Background(), []string{"--port", filepath.Join(t.TempDir(), "none"), "--swipe", "1"}, io.Discard, io.Discard); err == nil {
		t.Error("a missing port gave no error")
	}
}

func TestCardsimStopsOnCancel(t *testing.T) {
	master, path := line(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--port", path, "--swipe", "1", "--repeat", "1000", "--interval", "1h"}, io.Discard, io.Discard)
	}()
	readAll(t, master, 1) // the first swipe was written; the next waits an hour
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop on cancel")
	}
}

// issuerKeyFile writes an issuer key file and returns its path and key.
func issuerKeyFile(t *testing.T) (string, cardproof.IssuerKey) {
	t.Helper()
	key := cardproof.IssuerKey(bytes.Repeat([]byte{5}, cardproof.IssuerKeySize))
	text, err := key.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "issuer.key")
	if err := os.WriteFile(path, text, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, key
}

// TestCardsimAnswersAuth: with an issuer key cardsim swipes, then answers
// AUTH as the card until interrupted; its counter survives a restart.
func TestCardsimAnswersAuth(t *testing.T) {
	master, path := line(t)
	keyPath, key := issuerKeyFile(t)
	counter := filepath.Join(t.TempDir(), "A00000001.counter")
	card, err := cardproof.NewCard(cardproof.Default, key, "A00000001")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := reader.EncodeCardRecord(reader.NewCardFile("A00000001").CardRecord)
	if err != nil {
		t.Fatal(err)
	}
	swipeLen := len(reader.EncodeFrame(reader.CmdCardRead, rec))

	for want := uint64(1); want <= 2; want++ {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"--port", path, "--format", "frame", "--swipe", "A00000001",
				"--issuer-key", keyPath, "--counter", counter}, io.Discard, io.Discard)
		}()
		readAll(t, master, swipeLen)
		var ch cardproof.Challenge
		ch[0] = byte(want)
		if _, err := master.Write(reader.EncodeFrame(reader.CmdAuth, ch[:])); err != nil {
			t.Fatal(err)
		}
		var d reader.FrameDecoder
		var frames []reader.Frame
		for len(frames) == 0 {
			frames = d.Feed(readAll(t, master, 1))
		}
		a, err := reader.ParseAuthAnswer(frames[0].Data)
		if frames[0].Cmd != reader.CmdAuthAnswer || err != nil {
			t.Fatalf("answer 0x%02X %q: %v", frames[0].Cmd, frames[0].Data, err)
		}
		if a.CardNo != "A00000001" || a.Counter != want || !bytes.Equal(a.Cryptogram, card.Sign(ch, want)) {
			t.Errorf("run %d: answer %+v, want counter %d signed by the card", want, a, want)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("cardsim did not stop on interrupt")
		}
	}
	if b, _ := os.ReadFile(counter); string(b) != "2\n" {
		t.Errorf("counter file %q, want 2", b)
	}

	if err := os.WriteFile(counter, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"--port", path, "--format", "frame", "--swipe", "A00000001",
		"--issuer-key", keyPath, "--counter", counter}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged counter file: %v, want it refused", err)
	}
}
