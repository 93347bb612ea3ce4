// Command cardsim drives a serial port the way a card reader does, for demos
// and tests: it writes swipes of a card file (or of a made-up card with a
// given number) as track-2 lines or IC-reader frames. The encoding lives in
// package reader; this command only parses flags and paces the swipes.
// With --voucher it is the e-voucher QR scanner instead (SPEC §10): it
// writes one scan, "EC1:TOKEN" and CR LF, and exits.
//
//	cardsim --port PATH --format track2|frame (--card FILE | --swipe CARD_NO)
//	        [--baud N] [--remove-after D] [--repeat N --interval D]
//	        [--issuer-key FILE [--counter FILE]]
//	cardsim --port PATH [--format scanner] --voucher TOKEN [--baud N]
//
// TOKEN is what `centre voucher --card CARD_NO` prints (letters and digits;
// the "EC1:" prefix is added). PATH is then the scanner's end of its own
// line, not the card reader's.
//
// PATH is the reader's end of a serial line, e.g. one end of a pty pair made
// with `socat -d -d pty,raw,echo=0,link=/tmp/agent pty,raw,echo=0,link=/tmp/reader`
// (the agent reads /tmp/agent, cardsim writes /tmp/reader).
//
// Track-2 PAN: the card file's "pan"; for --swipe, CARD_NO itself when it is
// all digits, else the region 110105 followed by CARD_NO's digits.
//
// With --issuer-key (the region's issuer key file, hex, as `centre keygen
// --issuer` writes it) and --format frame the card is an IC card that
// holds its key: cardsim also reads the line and answers the host's AUTH
// (0x33) with the card's counter and cryptogram (0x43), see package
// internal/cardsim. The card's counter is kept in the --counter file
// (default: the card file's path + ".counter"; required with --swipe),
// written durably before each answer, so a restarted cardsim never reuses
// one. After the last swipe cardsim keeps answering until it is
// interrupted, or, with --remove-after, until the card is removed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"log/slog"

	"github.com/tarm/serial"

	"posagent/internal/cardproof"
	"posagent/internal/cardsim"
	"posagent/internal/clock"
	"posagent/reader"
	"posagent/sync/wire"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if errors.Is(err, errUsage) {
		fmt.Fprintln(os.Stderr, "cardsim:", err)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cardsim:", err)
		os.Exit(1)
	}
}

// errUsage marks errors in the command line.
var errUsage = errors.New("usage")

// options are cardsim's flags.
type options struct {
	port, format, cardFile, swipe string
	voucher                       string
	issuerKey, counter            string
	baud, repeat                  int
	removeAfter, interval         time.Duration
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("cardsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.port, "port", "", "serial port to write to (the reader's end of the line)")
	fs.StringVar(&o.format, "format", "track2", "reader format: track2 or frame, or scanner with --voucher (implied by it)")
	fs.StringVar(&o.voucher, "voucher", "", "scan this e-voucher token once (as a QR scanner: EC1:TOKEN)")
	fs.StringVar(&o.cardFile, "card", "", "card file (JSON, see testdata/cards)")
	fs.StringVar(&o.swipe, "swipe", "", "card number of a made-up valid card")
	fs.IntVar(&o.baud, "baud", reader.DefaultBaud, "baud rate")
	fs.DurationVar(&o.removeAfter, "remove-after", 0, "frame format: send card-removed this long after each read (0: never)")
	fs.IntVar(&o.repeat, "repeat", 1, "number of swipes")
	fs.DurationVar(&o.interval, "interval", time.Second, "time between swipes")
	fs.StringVar(&o.issuerKey, "issuer-key", "", "frame format: issuer key file (hex); the card then answers AUTH")
	fs.StringVar(&o.counter, "counter", "", "the card's counter file, with --issuer-key (default: the card file + \".counter\")")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	formatSet := false
	fs.Visit(func(f *flag.Flag) { formatSet = formatSet || f.Name == "format" })
	if o.voucher != "" && !formatSet {
		o.format = string(reader.FormatScanner)
	}
	if o.issuerKey != "" && o.counter == "" && o.cardFile != "" {
		o.counter = o.cardFile + ".counter"
	}
	if err := checkOptions(o, fs.Args()); err != nil {
		return o, fmt.Errorf("%w: %w", errUsage, err)
	}
	return o, nil
}

func checkOptions(o options, rest []string) error {
	switch {
	case len(rest) > 0:
		return fmt.Errorf("unexpected arguments %q", rest)
	case o.port == "":
		return errors.New("--port is required")
	case o.voucher != "" || o.format == string(reader.FormatScanner):
		return checkVoucherOptions(o)
	case (o.cardFile == "") == (o.swipe == ""):
		return errors.New("give exactly one of --card and --swipe")
	case o.repeat < 1:
		return fmt.Errorf("--repeat %d: want at least 1", o.repeat)
	case o.interval < 0 || o.removeAfter < 0:
		return errors.New("--interval and --remove-after must not be negative")
	case o.removeAfter > 0 && o.format != string(reader.FormatFrame):
		return errors.New("--remove-after needs --format frame: a track-2 swipe has no removal")
	case o.issuerKey != "" && o.format != string(reader.FormatFrame):
		return errors.New("--issuer-key needs --format frame: a magnetic stripe cannot answer AUTH")
	case o.issuerKey == "" && o.counter != "":
		return errors.New("--counter needs --issuer-key")
	case o.issuerKey != "" && o.counter == "":
		return errors.New("--counter is required with --swipe and --issuer-key")
	}
	return reader.Format(o.format).Validate()
}

// checkVoucherOptions checks the options of a scan: a token, the scanner
// format, nothing of a card.
func checkVoucherOptions(o options) error {
	switch {
	case o.format != string(reader.FormatScanner):
		return fmt.Errorf("--voucher is a QR scan: --format %s is a card reader's", o.format)
	case o.voucher == "":
		return errors.New("--format scanner needs --voucher TOKEN")
	case o.cardFile != "" || o.swipe != "" || o.issuerKey != "" || o.counter != "" || o.removeAfter != 0 || o.repeat != 1:
		return errors.New("--voucher scans once: no --card, --swipe, --issuer-key, --counter, --remove-after or --repeat")
	}
	if err := wire.CheckVoucherToken(o.voucher); err != nil {
		return fmt.Errorf("--voucher: %w", err)
	}
	return nil
}

// run is the whole command, minus the process exit.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.voucher != "" {
		return scan(o, stdout)
	}
	card, err := loadCard(o)
	if err != nil {
		return err
	}
	if o.issuerKey == "" {
		port, err := serial.OpenPort(&serial.Config{Name: o.port, Baud: o.baud})
		if err != nil {
			return fmt.Errorf("open %s: %w", o.port, err)
		}
		defer port.Close()
		return simulate(ctx, port, stdout, o, card, nil)
	}
	ic, err := loadICCard(o, card.CardNo)
	if err != nil {
		return err
	}
	// A read timeout lets the responder notice ctx between reads.
	port, err := serial.OpenPort(&serial.Config{Name: o.port, Baud: o.baud, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("open %s: %w", o.port, err)
	}
	defer port.Close()
	return simulateIC(ctx, port, stdout, stderr, o, card, ic)
}

// scan writes one e-voucher scan to the port.
func scan(o options, out io.Writer) error {
	port, err := serial.OpenPort(&serial.Config{Name: o.port, Baud: o.baud})
	if err != nil {
		return fmt.Errorf("open %s: %w", o.port, err)
	}
	defer port.Close()
	if _, err := port.Write([]byte(wire.VoucherPrefix + o.voucher + "\r\n")); err != nil {
		return fmt.Errorf("write scan: %w", err)
	}
	fmt.Fprintf(out, "scanned e-voucher %s%s\n", wire.VoucherPrefix, o.voucher)
	return nil
}

// loadICCard is the card cardNo holding its key, with its counter file.
func loadICCard(o options, cardNo string) (*cardsim.Card, error) {
	text, err := os.ReadFile(o.issuerKey)
	if err != nil {
		return nil, fmt.Errorf("issuer key: %w", err)
	}
	key, err := cardproof.ParseIssuerKey(text)
	if err != nil {
		return nil, fmt.Errorf("issuer key %s: %w", o.issuerKey, err)
	}
	ctr, err := cardsim.OpenFileCounter(o.counter)
	if err != nil {
		return nil, err
	}
	return cardsim.NewCard(key, cardNo, ctr)
}

// simulateIC is simulate with a card that answers AUTH: the responder
// serves the port while the swipes are written through it, and after the
// last one (unless it was removed) until ctx ends.
func simulateIC(ctx context.Context, port io.ReadWriter, out, logTo io.Writer, o options, card reader.CardFile, ic *cardsim.Card) error {
	resp := cardsim.NewResponder(port, slog.New(slog.NewTextHandler(logTo, nil)))
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- resp.Serve(sctx, port)
		cancel() // the line failed: stop swiping
	}()
	present := func(in bool) {
		if in {
			resp.Insert(ic)
		} else {
			resp.Remove()
		}
	}
	err := simulate(sctx, resp, out, o, card, present)
	if err == nil && o.removeAfter == 0 {
		fmt.Fprintf(out, "answering AUTH for %s until interrupted\n", card.CardNo)
		<-sctx.Done()
	}
	cancel()
	if serr := <-served; serr != nil && err == nil {
		err = serr
	}
	return err
}

func loadCard(o options) (reader.CardFile, error) {
	if o.cardFile != "" {
		return reader.LoadCardFile(o.cardFile)
	}
	card := reader.NewCardFile(o.swipe)
	if err := card.Check(reader.Format(o.format)); err != nil {
		return card, fmt.Errorf("--swipe %s: %w", o.swipe, err)
	}
	return card, nil
}

// simulate writes the swipes to w, paced by the options, and reports each
// on out. present, when not nil, is told the card is put in before each
// swipe and taken out before each removal.
func simulate(ctx context.Context, w io.Writer, out io.Writer, o options, card reader.CardFile, present func(in bool)) error {
	if present == nil {
		present = func(bool) {}
	}
	format := reader.Format(o.format)
	shown := card.CardNo
	if format == reader.FormatTrack2 {
		shown = card.Track2PAN()
	}
	for i := range o.repeat {
		if i > 0 && clock.Sleep(ctx, clock.Real(), o.interval) != nil {
			return nil
		}
		present(true)
		if err := reader.WriteSwipe(w, format, card); err != nil {
			return err
		}
		fmt.Fprintf(out, "swiped %s (%s)\n", shown, format)
		if o.removeAfter > 0 {
			if clock.Sleep(ctx, clock.Real(), o.removeAfter) != nil {
				return nil
			}
			present(false)
			if _, err := w.Write(reader.EncodeFrame(reader.CmdCardRemoved, nil)); err != nil {
				return fmt.Errorf("write card removed: %w", err)
			}
			fmt.Fprintf(out, "removed %s\n", shown)
		}
	}
	return nil
}
