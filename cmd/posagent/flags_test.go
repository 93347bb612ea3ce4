package main

import (
	"io"
	"os"
	"path/filepath"
	"posagent/agent"
	"posagent/reader"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigFileUnderFlags(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "posagent.json"), `{
		"data": "journal", "listen": "127.0.0.1:7400", "api_token": "file-token-0123456789",
		"reader": "COM3", "reader_format": "track2", "baud": 4800, "scanner": "COM4", "scanner_baud": 4800,
		"terminal": "T-FILE", "centre_key": "keys/centre.pub"}`)
	o, err := parseOptions("run", []string{"--config", cfg, "--terminal", "T-FLAG", "--baud", "9600", "--scanner-baud", "115200"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c := o.cfg
	if c.Terminal != "T-FLAG" || c.Baud != 9600 || c.ScannerBaud != 115200 {
		t.Errorf("flags must win: terminal %q baud %d scanner baud %d", c.Terminal, c.Baud, c.ScannerBaud)
	}
	if c.Listen != "127.0.0.1:7400" || c.ReaderFormat != "track2" || c.APIToken != "file-token-0123456789" || c.Scanner != "COM4" {
		t.Errorf("file settings lost: %+v", c)
	}
	if c.Data != filepath.Join(dir, "journal") || c.CentreKey != filepath.Join(dir, "keys/centre.pub") {
		t.Errorf("relative paths must resolve against the file's folder: data %q key %q", c.Data, c.CentreKey)
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	dir := t.TempDir()
	good := []string{"--api-token", "a-long-enough-token", "--terminal", "T1", "--centre-key", "k.pub"}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"public listen address", append([]string{"--listen", "0.0.0.0:7311"}, good...), `setting listen: "0.0.0.0:7311" is not a loopback address`},
		{"short token", []string{"--api-token", "short", "--terminal", "T1", "--centre-key", "k"}, "setting api-token: must be at least 16 characters"},
		{"bad format", append([]string{"--reader", "COM3", "--reader-format", "magstripe"}, good...), `setting reader-format: "magstripe" is not track2 or frame`},
		{"bad scanner speed", append([]string{"--scanner", "COM4", "--scanner-baud", "0"}, good...), "setting scanner-baud: 0 is not a positive speed"},
		{"scanner on the reader's port", append([]string{"--reader", "COM3", "--scanner", "COM3"}, good...), `setting scanner: "COM3" is also the card reader's port`},
		{"http centre", append([]string{"--centre", "http://c:1", "--terminal-token", "x"}, good...), `setting centre: "http://c:1" must start with ws:// or wss://`},
		{"centre without token", append([]string{"--centre", "ws://c:1"}, good...), "setting terminal-token: is required with --centre"},
		{"no key", []string{"--api-token", "a-long-enough-token", "--terminal", "T1"}, "setting centre-key: is required"},
		{"bad zone", append([]string{"--time-zone", "Mars/Olympus"}, good...), `setting time-zone: "Mars/Olympus"`},
		{"unknown key in file", []string{"--config", writeFile(t, filepath.Join(dir, "typo.json"), `{"termnal": "T1"}`)}, `unknown field "termnal"`},
		{"stray argument", append([]string{"extra"}, good...), `unexpected argument "extra"`},
	}
	for _, c := range cases {
		_, err := parseOptions("run", c.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestSampleConfigParses(t *testing.T) {
	o, err := parseOptions("run", []string{"--config", "../../testdata/posagent.json"}, io.Discard)
	if err != nil {
		t.Fatalf("testdata/posagent.json: %v", err)
	}
	if o.cfg.Terminal != "T001" || o.cfg.ReaderFormat != "frame" || o.cfg.Scanner != "COM4" {
		t.Fatalf("sample config read as %+v", o.cfg)
	}
}

func TestServiceArgumentsKeepSecretsOffTheCommandLine(t *testing.T) {
	o, err := parseOptions("install", []string{"--data", t.TempDir(), "--api-token", "secret-api-token-123", "--terminal", "T1",
		"--centre", "ws://127.0.0.1:1", "--terminal-token", "secret-terminal-token", "--centre-key", "k.pub"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	path, err := writeServiceConfig(o)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("service config mode %v, want 0600 (it holds tokens)", fi.Mode().Perm())
	}
	back, err := parseOptions("run", []string{"--config", path}, io.Discard)
	if err != nil {
		t.Fatalf("the installed config does not load: %v", err)
	}
	if back.cfg.TerminalToken != "secret-terminal-token" || back.cfg.Centre != "ws://127.0.0.1:1" {
		t.Fatalf("installed config lost settings: %+v", back.cfg)
	}
}

func TestStatusAtAGlance(t *testing.T) {
	var st agent.Status
	st.Terminal = "T001"
	st.Reader.State, st.Reader.Port, st.Reader.Format = "down", "COM3", "frame"
	st.Scanner = &reader.Status{State: "open", Port: "COM4", Format: "scanner", Scans: 3, BadReads: 1}
	st.Rules.Version = 7
	st.Backlog.Unsynced = 250
	st.OfflineExposure.TerminalFen, st.OfflineExposure.LimitFen = 12345, 500000
	st.Reconciliation.LastDay = "2026-11-22"
	st.Reconciliation.MismatchDays = []string{"2026-11-20"}
	st.Reconciliation.Differences = []string{"charges: agent 2, centre 3"}
	var b strings.Builder
	printStatus(&b, st)
	out := b.String()
	for _, want := range []string{
		"terminal  T001", "WARN reader    down COM3 (frame)", "OK   scanner   open COM4, 3 scans, 1 refused", "WARN centre    connected=false last sync never",
		"OK   rules     version 7", "WARN backlog   250 unsynced", "¥123.45 of ¥5000.00 charged offline",
		"WARN 对账      mismatch on 2026-11-20",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}
