//go:build linux

package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"posagent/reader"
)

// TestCardsimDrivesReader joins two pseudo-terminals the way socat does:
// cardsim writes one, a reader.Reader reads the other, and the sample cards
// arrive as card events (the bad-id card with its problem).
func TestCardsimDrivesReader(t *testing.T) {
	simMaster, simPath := line(t)
	agentMaster, agentPath := line(t)
	go io.Copy(agentMaster, simMaster) // ends when the masters close

	r, err := reader.New(reader.Config{Port: agentPath, Format: reader.FormatFrame,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan reader.Event, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, func(ev reader.Event) { events <- ev }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	next := func(typ string) reader.Event {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case ev := <-events:
				if ev.Type == typ && (typ != reader.EventReader || ev.Error == "") {
					return ev
				}
			case <-timeout:
				t.Fatalf("no %s event", typ)
			}
		}
	}
	next(reader.EventReader) // open

	for _, c := range []struct{ file, cardNo, problem string }{
		{"zhang-san.json", "A00000001", ""},
		{"li-si-bad-id.json", "A00000002", "resident id check character is 3, want 9"},
	} {
		args := []string{"--port", simPath, "--format", "frame", "--card", card(t, c.file), "--remove-after", "1ms"}
		if err := run(context.Background(), args, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		ev := next(reader.EventCard)
		if ev.Card.CardNo != c.cardNo || ev.Card.Problem != c.problem {
			t.Errorf("%s: card %+v", c.file, *ev.Card)
		}
		next(reader.EventCardRemoved)
	}
}
