package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kardianos/service"

	"posagent/agent"
)

// statusCommand prints the service state and, when the agent answers, its
// reader, centre, rules and backlog at a glance.
func statusCommand(ctx context.Context, s service.Service, args []string, stdout, stderr io.Writer) error {
	state := "not installed"
	if st, err := s.Status(); err == nil {
		state = map[service.Status]string{
			service.StatusRunning: "running", service.StatusStopped: "stopped", service.StatusUnknown: "unknown",
		}[st]
	}
	fmt.Fprintf(stdout, "service   %s\n", state)
	o, err := parseOptions("status", args, io.Discard)
	if err != nil {
		fmt.Fprintf(stdout, "agent     (give --config or the run flags to query the running agent)\n")
		return nil
	}
	st, err := fetchStatus(ctx, o.cfg.Listen, o.cfg.APIToken)
	if err != nil {
		fmt.Fprintf(stdout, "agent     not answering at %s: %v\n", o.cfg.Listen, err)
		return nil
	}
	printStatus(stdout, st)
	return nil
}

func fetchStatus(ctx context.Context, addr, token string) (agent.Status, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/v1/status", nil)
	if err != nil {
		return agent.Status{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return agent.Status{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return agent.Status{}, fmt.Errorf("HTTP %s", resp.Status)
	}
	var st agent.Status
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// printStatus renders the status as a few aligned lines.
func printStatus(w io.Writer, st agent.Status) {
	ok := func(b bool) string {
		if b {
			return "OK  "
		}
		return "WARN"
	}
	fmt.Fprintf(w, "terminal  %s\n", st.Terminal)
	fmt.Fprintf(w, "%s reader    %s %s (%s) %s\n", ok(st.Reader.State == "open"), st.Reader.State, st.Reader.Port, st.Reader.Format, st.Reader.LastError)
	if sc := st.Scanner; sc != nil {
		fmt.Fprintf(w, "%s scanner   %s %s, %d scans, %d refused %s\n", ok(sc.State == "open"), sc.State, sc.Port, sc.Scans, sc.BadReads, sc.LastError)
	}
	sync := "never"
	if !st.Centre.LastSync.IsZero() {
		sync = st.Centre.LastSync.Format(time.RFC3339)
	}
	fmt.Fprintf(w, "%s centre    connected=%v last sync %s %s\n", ok(st.Centre.Connected), st.Centre.Connected, sync, st.Centre.LastError)
	fmt.Fprintf(w, "%s rules     version %d, %s old %s\n", ok(st.Rules.Version > 0 && !st.Rules.Stale), st.Rules.Version, time.Duration(st.Rules.AgeS)*time.Second, st.Rules.LastError)
	fmt.Fprintf(w, "%s backlog   %d unsynced, oldest %s\n", ok(st.Backlog.Unsynced < 100), st.Backlog.Unsynced, time.Duration(st.Backlog.OldestAgeS)*time.Second)
	fmt.Fprintf(w, "     offline   %s of %s charged offline\n", yuan(st.OfflineExposure.TerminalFen), yuan(st.OfflineExposure.LimitFen))
	r := st.Reconciliation
	switch {
	case r.LastDay == "":
		fmt.Fprintf(w, "     对账      no day reconciled yet\n")
	case len(r.MismatchDays) > 0:
		fmt.Fprintf(w, "WARN 对账      mismatch on %s (last day %s: %s)\n", strings.Join(r.MismatchDays, ", "), r.LastDay, strings.Join(r.Differences, "; "))
	default:
		fmt.Fprintf(w, "OK   对账      %s matches the centre\n", r.LastDay)
	}
}

// yuan formats fen as yuan without floating point.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s¥%d.%02d", sign, fen/100, fen%100)
}

// teeHandler sends every record to two handlers.
type teeHandler struct{ a, b slog.Handler }

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return t.a.Enabled(ctx, l) || t.b.Enabled(ctx, l)
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	err := t.a.Handle(ctx, r.Clone())
	if err2 := t.b.Handle(ctx, r); err == nil {
		err = err2
	}
	return err
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{t.a.WithAttrs(as), t.b.WithAttrs(as)}
}

func (t teeHandler) WithGroup(g string) slog.Handler {
	return teeHandler{t.a.WithGroup(g), t.b.WithGroup(g)}
}

// syslogHandler writes records to the system log (Windows Event Log,
// syslog/journald) through kardianos/service's logger.
type syslogHandler struct{ l service.Logger }

func (h syslogHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h syslogHandler) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool {
		msg += " " + a.String()
		return true
	})
	switch {
	case r.Level >= slog.LevelError:
		return h.l.Error(msg)
	case r.Level >= slog.LevelWarn:
		return h.l.Warning(msg)
	default:
		return h.l.Info(msg)
	}
}

func (h syslogHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h syslogHandler) WithGroup(string) slog.Handler      { return h }
