package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/creack/pty"

	"posagent/agent"
	"posagent/agent/api"
	"posagent/agent/daemon"
	"posagent/internal/cardsim"
	"posagent/reader"
	"posagent/sync/wire"
)

// Terminal is one enrolled pharmacy terminal: its agent, the simulated
// reader and e-voucher QR scanner, each on a pseudo-terminal, and a POS
// client. An IC-card (frame) reader answers the agent's AUTH for the card
// last swiped, until RemoveCard.
type Terminal struct {
	ID, Pharmacy string
	Agent        *daemon.Daemon
	AgentCfg     daemon.Config
	POS          *api.Client

	env    *Env
	master *os.File // the reader's side of the pseudo-terminal
	tty    *os.File
	line   io.Writer          // master, or resp writing to it
	resp   *cardsim.Responder // frame readers: answers AUTH; nil for track 2
	served chan struct{}      // closed when resp stops serving

	scanMaster, scanTTY *os.File // the QR scanner's pseudo-terminal
}

// AddTerminal enrols a terminal at the centre and starts its agent with a
// reader of its own.
func (e *Env) AddTerminal(ctx context.Context, id, pharmacy string) (*Terminal, error) {
	token, err := e.Centre.Centre().Enrol(ctx, id, pharmacy)
	if err != nil {
		return nil, fmt.Errorf("demo: enrol %s: %w", id, err)
	}
	t := &Terminal{ID: id, Pharmacy: pharmacy, env: e}
	t.master, t.tty, err = pty.Open()
	if err != nil {
		return nil, fmt.Errorf("demo: pseudo-terminal: %w", err)
	}
	t.line = t.master
	t.scanMaster, t.scanTTY, err = pty.Open()
	if err != nil {
		t.master.Close()
		t.tty.Close()
		return nil, fmt.Errorf("demo: scanner pseudo-terminal: %w", err)
	}
	if e.opts.Format == reader.FormatFrame {
		t.resp = cardsim.NewResponder(t.master, e.log.With("part", "card", "terminal", id))
		t.line = t.resp
		t.served = make(chan struct{})
		go func() {
			defer close(t.served)
			// Ends when the tty is hung up at close.
			if err := t.resp.Serve(context.Background(), t.master); err != nil {
				e.log.Debug("simulated card stopped", "terminal", id, "err", err)
			}
		}()
	}
	e.terminals = append(e.terminals, t)
	t.AgentCfg = daemon.Config{
		Data: filepath.Join(e.opts.Dir, "agent-"+id), Listen: "127.0.0.1:0", APIToken: APIToken,
		Reader: t.tty.Name(), ReaderFormat: string(e.opts.Format), Baud: 9600, Scanner: t.scanTTY.Name(), ScannerBaud: 9600,
		Centre: "ws://" + e.centreAdr, Terminal: id, TerminalToken: token, CentreKey: e.KeyFile,
		TimeZone: e.opts.TimeZone, Clock: e.opts.Clock,
	}
	return t, t.StartAgent(ctx)
}

// StartAgent starts (or restarts) the agent with AgentCfg.
func (t *Terminal) StartAgent(ctx context.Context) error {
	d, err := daemon.Start(ctx, t.AgentCfg, t.env.log.With("part", "agent"))
	if err != nil {
		return fmt.Errorf("demo: start agent %s: %w", t.ID, err)
	}
	t.Agent = d
	t.POS = &api.Client{Base: "http://" + d.Addr(), Token: APIToken}
	return nil
}

// WaitReady waits until the agent runs the published rules, its reader
// (and scanner, if it has one) is open and it is connected to the centre.
func (t *Terminal) WaitReady(ctx context.Context) error {
	return t.waitStatus(ctx, 20*time.Second, "not ready", func(st agent.Status) bool {
		return st.Rules.Version > 0 && st.Reader.State == "open" && st.Centre.Connected &&
			(st.Scanner == nil || st.Scanner.State == "open")
	})
}

// WaitSynced waits until the agent's backlog is empty.
func (t *Terminal) WaitSynced(ctx context.Context) error {
	return t.waitStatus(ctx, 30*time.Second, "backlog not drained", func(st agent.Status) bool {
		return st.Backlog.Unsynced == 0 && st.Centre.Connected
	})
}

func (t *Terminal) waitStatus(ctx context.Context, limit time.Duration, what string, ok func(agent.Status) bool) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		st, err := t.POS.Status(ctx)
		if err == nil && ok(st) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo: terminal %s %s (status %+v, err %v): %w", t.ID, what, st, err, ctx.Err())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// Swipe presents a card to the simulated reader and waits until the agent
// has it. With an IC-card (frame) reader the card before it is taken out
// first, as it must be physically.
func (t *Terminal) Swipe(ctx context.Context, card reader.CardFile) error {
	format := reader.Format(t.AgentCfg.ReaderFormat)
	var prev time.Time
	if c, err := t.POS.Card(ctx); err == nil {
		prev = c.ReadAt
	}
	if format == reader.FormatFrame {
		if err := t.RemoveCard(); err != nil {
			return err
		}
		ic, err := t.env.cards.Card(card.CardNo)
		if err != nil {
			return fmt.Errorf("demo: card %s: %w", card.CardNo, err)
		}
		t.resp.Insert(ic)
	}
	if err := reader.WriteSwipe(t.line, format, card); err != nil {
		return err
	}
	want := card.CardNo
	if format == reader.FormatTrack2 {
		want = card.Track2PAN()
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		// Wait for this read, not the session of a card read before it.
		c, err := t.POS.WaitCard(wctx, want)
		if err != nil {
			return err
		}
		if !c.ReadAt.Equal(prev) {
			return nil
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("demo: card %s was not read again: %w", want, wctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// WriteReader writes raw bytes on the reader's line (noise, partial frames).
func (t *Terminal) WriteReader(b []byte) error {
	_, err := t.line.Write(b)
	return err
}

// Scan shows an e-voucher's QR code (wire.VoucherPrefix + token) to the
// simulated scanner, as one line. It does not wait: the agent redeems the
// token at the centre, and either the card (GET /v1/card, a "card" event)
// or a "voucher" event with the refusal follows.
func (t *Terminal) Scan(ctx context.Context, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return t.WriteScanner([]byte(wire.VoucherPrefix + token + "\r\n"))
}

// WriteScanner writes raw bytes on the scanner's line (noise, garbage).
func (t *Terminal) WriteScanner(b []byte) error {
	if _, err := t.scanMaster.Write(b); err != nil {
		return fmt.Errorf("demo: scanner line: %w", err)
	}
	return nil
}

// RemoveCard takes the card out of the reader: it no longer answers AUTH,
// and the reader sends its card-removed frame.
func (t *Terminal) RemoveCard() error {
	if t.resp != nil {
		t.resp.Remove()
	}
	return t.WriteReader(reader.EncodeFrame(reader.CmdCardRemoved, nil))
}

// MuteCard makes the card in the reader stop answering AUTH (true), as a
// faulty chip would, or answer again (false). No effect on a track-2
// reader.
func (t *Terminal) MuteCard(on bool) {
	if t.resp != nil {
		t.resp.Mute(on)
	}
}

func (t *Terminal) close() error {
	var err error
	if t.Agent != nil {
		err = t.Agent.Stop()
	}
	// Hanging up the tty ends the responder's blocking read of the
	// master (once the agent's descriptor is closed too).
	t.tty.Close()
	if t.served != nil {
		select {
		case <-t.served:
		case <-time.After(5 * time.Second):
			t.env.log.Warn("simulated card still reading the line at close", "terminal", t.ID)
		}
	}
	t.master.Close()
	t.scanTTY.Close()
	t.scanMaster.Close()
	return err
}
