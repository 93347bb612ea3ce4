//go:build linux

package main

import (
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"posagent/internal/cardproof"
	"posagent/reader"
)

// readerOn runs a reader.Reader of format on the port at path until the
// test ends and returns its events.
func readerOn(t *testing.T, path string, format reader.Format) <-chan reader.Event {
	t.Helper()
	r, err := reader.New(reader.Config{Port: path, Format: format, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan reader.Event, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, func(ev reader.Event) { events <- ev }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return events
}

// nextEvent returns the next event of type typ (a reader event only when
// it carries no error), failing t after 10 s or, with failOnError, at an
// event with an error.
func nextEvent(t *testing.T, events <-chan reader.Event, typ string, failOnError bool) reader.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Type == typ && (typ != reader.EventReader || ev.Error == "") {
				return ev
			}
			if failOnError && ev.Error != "" {
				t.Fatalf("error %q while waiting for %s", ev.Error, typ)
			}
		case <-timeout:
			t.Fatalf("no %s event", typ)
		}
	}
}

// TestCardsimDrivesReader joins two pseudo-terminals the way socat does:
// cardsim writes one, a reader.Reader reads the other, and the sample cards
// arrive as card events (the bad-id card with its problem).
func TestCardsimDrivesReader(t *testing.T) {
	simMaster, simPath := line(t)
	agentMaster, agentPath := line(t)
	go io.Copy(agentMaster, simMaster) // ends when the masters close
	events := readerOn(t, agentPath, reader.FormatFrame)
	nextEvent(t, events, reader.EventReader, false) // open

	for _, c := range []struct{ file, cardNo, problem string }{
		{"zhang-san.json", "A00000001", ""},
		{"li-si-bad-id.json", "A00000002", "resident id check character is 3, want 9"},
	} {
		args := []string{"--port", simPath, "--format", "frame", "--card", card(t, c.file), "--remove-after", "1ms"}
		if err := run(context.Background(), args, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		ev := nextEvent(t, events, reader.EventCard, false)
		if ev.Card.CardNo != c.cardNo || ev.Card.Problem != c.problem {
			t.Errorf("%s: card %+v", c.file, *ev.Card)
		}
		nextEvent(t, events, reader.EventCardRemoved, false)
	}
}

// TestCardsimScansIntoScanner: cardsim --voucher writes one scan that a
// reader in FormatScanner emits as the e-voucher's line.
func TestCardsimScansIntoScanner(t *testing.T) {
	simMaster, simPath := line(t)
	agentMaster, agentPath := line(t)
	go io.Copy(agentMaster, simMaster) // ends when the masters close
	events := readerOn(t, agentPath, reader.FormatScanner)
	nextEvent(t, events, reader.EventReader, false) // the scanner's port is open
	if err := run(context.Background(), []string{"--port", simPath, "--voucher", "QRTOKEN42"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, events, reader.EventScan, true); ev.Scan != "EC1:QRTOKEN42" {
		t.Fatalf("scan %q, want EC1:QRTOKEN42", ev.Scan)
	}
}

// TestCardsimAnswersReaderAuth: the agent's reader driver asks the card
// cardsim simulates to sign a sale, through two joined pseudo-terminals,
// and the centre's check of the proof passes.
func TestCardsimAnswersReaderAuth(t *testing.T) {
	simMaster, simPath := line(t)
	agentMaster, agentPath := line(t)
	go io.Copy(agentMaster, simMaster) // both ways; end when the masters close
	go io.Copy(simMaster, agentMaster)
	keyPath, key := issuerKeyFile(t)

	r, err := reader.New(reader.Config{Port: agentPath, Format: reader.FormatFrame,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	cards, opened := make(chan reader.Event, 64), make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- r.Run(ctx, func(ev reader.Event) {
			switch {
			case ev.Type == reader.EventCard:
				cards <- ev
			case ev.Type == reader.EventReader && ev.Reader.State == reader.StateOpen && ev.Error == "":
				opened <- struct{}{}
			}
		})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	select { // the line is raw once the reader opened it
	case <-opened:
	case <-time.After(10 * time.Second):
		t.Fatal("the reader did not open")
	}
	simCtx, stopSim := context.WithCancel(context.Background())
	simDone := make(chan error, 1)
	go func() {
		simDone <- run(simCtx, []string{"--port", simPath, "--format", "frame", "--card", card(t, "zhang-san.json"),
			"--issuer-key", keyPath, "--counter", filepath.Join(t.TempDir(), "counter")}, io.Discard, io.Discard)
	}()
	select {
	case <-cards:
	case <-time.After(10 * time.Second):
		t.Fatal("no card event")
	}
	sale := cardproof.Sale{Terminal: "T001", Seq: 7, CardNo: "A00000001", Account: 1500, Total: 2000,
		At: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)}
	ch := cardproof.ChallengeFor(sale)
	a, err := r.Auth(context.Background(), ch)
	if err != nil {
		t.Fatalf("Auth: %v", err)
	}
	proof := cardproof.Proof{Challenge: ch.String(), Counter: a.Counter, Cryptogram: hex.EncodeToString(a.Cryptogram)}
	if err := cardproof.Verify(cardproof.Default, key, sale, proof); err != nil || a.Counter != 1 {
		t.Errorf("proof %+v: %v", proof, err)
	}
	stopSim()
	if err := <-simDone; err != nil {
		t.Errorf("cardsim: %v", err)
	}
}
