package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"posagent/agent/daemon"
)

// usageError marks errors that should exit 2.
type usageError struct{ error }

func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u) || errors.Is(err, flag.ErrHelp)
}

// options are the settings of run, install and status.
type options struct {
	cfg       daemon.Config
	config    string // --config file
	logFormat string // text or json
}

// bind registers every flag of the settings on fs, writing into o.
func bind(fs *flag.FlagSet, o *options) {
	c := &o.cfg
	fs.StringVar(&o.config, "config", "", "JSON config file with the same settings (flags override it)")
	fs.StringVar(&c.Data, "data", c.Data, "directory of the journal")
	fs.StringVar(&c.Listen, "listen", c.Listen, "POS API address (loopback only)")
	fs.StringVar(&c.APIToken, "api-token", c.APIToken, "bearer token the POS must send (16+ characters)")
	fs.StringVar(&c.Reader, "reader", c.Reader, "serial port of the card reader (e.g. COM3, /dev/ttyUSB0); empty: no reader")
	fs.StringVar(&c.ReaderFormat, "reader-format", c.ReaderFormat, "reader format: track2 or frame")
	fs.IntVar(&c.Baud, "baud", c.Baud, "serial speed")
	fs.StringVar(&c.Scanner, "scanner", c.Scanner, "serial port of the e-voucher (医保电子凭证) QR scanner; empty: no scanner")
	fs.IntVar(&c.ScannerBaud, "scanner-baud", c.ScannerBaud, "the QR scanner's serial speed")
	fs.StringVar(&c.Centre, "centre", c.Centre, "centre base URL, ws://host:port or wss://host:port; empty: offline only")
	fs.StringVar(&c.Terminal, "terminal", c.Terminal, "this terminal's id, as enrolled at the centre")
	fs.StringVar(&c.TerminalToken, "terminal-token", c.TerminalToken, "this terminal's token from `centre enrol`")
	fs.StringVar(&c.CentreKey, "centre-key", c.CentreKey, "public key file that signs rule bundles (from `centre keygen`)")
	fs.StringVar(&c.CentreCA, "centre-ca", c.CentreCA, "PEM file of the private CA that signed the centre's certificate, for wss:// (default: the system roots)")
	fs.BoolVar(&c.Insecure, "insecure", c.Insecure, "allow ws:// (no TLS) to a centre that is not on this machine")
	fs.StringVar(&c.TimeZone, "time-zone", c.TimeZone, "the pharmacy's time zone, e.g. Asia/Shanghai (default: the system's)")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
}

func newFlagSet(name string, out io.Writer) (*flag.FlagSet, *options) {
	o := &options{cfg: daemon.DefaultConfig()}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	bind(fs, o)
	return fs, o
}

// parseOptions parses flags, merges the config file under them and makes
// paths absolute (a Windows service starts in System32, so relative paths
// are resolved now, against the directory posagent was run from).
func parseOptions(name string, args []string, stderr io.Writer) (options, error) {
	fs, flagged := newFlagSet(name, stderr)
	if err := fs.Parse(args); err != nil {
		return options{}, usageError{err}
	}
	if fs.NArg() > 0 {
		return options{}, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	o := options{cfg: daemon.DefaultConfig(), logFormat: "text"}
	if flagged.config != "" {
		if err := loadConfigFile(flagged.config, &o.cfg); err != nil {
			return options{}, err
		}
		o.config = flagged.config
	}
	// Flags given on the command line win over the file.
	final := flag.NewFlagSet(name, flag.ContinueOnError)
	bind(final, &o)
	var setErr error
	fs.Visit(func(f *flag.Flag) {
		if err := final.Set(f.Name, f.Value.String()); err != nil && setErr == nil {
			setErr = err
		}
	})
	if setErr != nil {
		return options{}, usageError{setErr}
	}
	o.cfg.Data = absPath(o.cfg.Data)
	o.cfg.CentreKey = absPath(o.cfg.CentreKey)
	if err := o.cfg.Validate(); err != nil {
		return options{}, usageError{err}
	}
	return o, nil
}

// loadConfigFile reads a JSON config file; unknown keys are errors so that
// a misspelt setting is not silently ignored.
func loadConfigFile(path string, cfg *daemon.Config) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	// Relative paths in the file are relative to the file.
	dir := filepath.Dir(path)
	for _, p := range []*string{&cfg.Data, &cfg.CentreKey} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	return nil
}

func absPath(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// args renders the settings back as flags, for the service definition.
func (o options) args() []string {
	c := o.cfg
	out := []string{"run",
		"--data", c.Data, "--listen", c.Listen, "--api-token", c.APIToken,
		"--reader-format", c.ReaderFormat, "--baud", fmt.Sprint(c.Baud), "--scanner-baud", fmt.Sprint(c.ScannerBaud),
		"--terminal", c.Terminal, "--centre-key", c.CentreKey, "--log-format", o.logFormat,
	}
	for _, kv := range [][2]string{{"--reader", c.Reader}, {"--scanner", c.Scanner}, {"--centre", c.Centre}, {"--terminal-token", c.TerminalToken}, {"--time-zone", c.TimeZone}, {"--centre-ca", c.CentreCA}} {
		if kv[1] != "" {
			out = append(out, kv[0], kv[1])
		}
	}
	if c.Insecure {
		out = append(out, "--insecure")
	}
	return out
}
