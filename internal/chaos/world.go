package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"posagent/agent/api"
	"posagent/internal/cardproof"
	"posagent/reader"
	"posagent/sync/centre/admin"
	"posagent/sync/centre/datadir"
)

// Names and secrets of the world the harness sets up.
const (
	Terminal           = "T-CHAOS"
	Pharmacy           = "P-CHAOS"
	APIToken           = "chaos-pos-api-token-0001"
	SupervisorName     = "auditor"
	SupervisorPassword = "chaos-auditor-password"
)

// WorldConfig configures NewWorld.
type WorldConfig struct {
	Dir     string // working directory; required
	Bins    Binaries
	Cards   int   // how many cards (default 50)
	Balance int64 // each card's starting balance in fen (default 10,000,000)
}

// World is a centre data directory set up through the centre's command
// line (keygen, accounts import, publish, enrol, user add) and one
// terminal's directory, ready for Centre and Agent to run.
type World struct {
	Bins      Binaries
	Dir       string
	CentreDir string
	AgentDir  string
	KeyFile   string              // the public key file agents verify bundles with
	IssuerKey cardproof.IssuerKey // the cards' issuer key (the centre's issuer.key)
	Token     string              // the terminal's token from `centre enrol`
	Cards     []reader.CardFile
	Initial   map[string]int64 // starting balance by card number
}

// NewWorld sets up the centre's data directory by running the centre's
// administrative commands, as an operator would, with permissive rules and
// cards that never run out of money.
func NewWorld(ctx context.Context, cfg WorldConfig) (*World, error) {
	if cfg.Cards <= 0 {
		cfg.Cards = 50
	}
	if cfg.Balance <= 0 {
		cfg.Balance = 10_000_000
	}
	w := &World{Bins: cfg.Bins, Dir: cfg.Dir, CentreDir: filepath.Join(cfg.Dir, "centre"),
		AgentDir: filepath.Join(cfg.Dir, "agent"), Cards: NewCards(cfg.Cards), Initial: map[string]int64{}}
	for _, c := range w.Cards {
		w.Initial[c.CardNo] = cfg.Balance
	}
	files, err := w.writeInputs(cfg.Balance)
	if err != nil {
		return nil, err
	}
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	if w.KeyFile, err = w.centreCLI(ctx, "", "keygen", "--data", w.CentreDir); err != nil {
		return nil, err
	}
	// The region's card issuer key: the centre verifies every charge's
	// card proof, and the simulated cards derive their keys from it.
	if _, err = w.centreCLI(ctx, "", "keygen", "--data", w.CentreDir, "--issuer"); err != nil {
		return nil, err
	}
	if w.IssuerKey, err = datadir.LoadIssuerKey(w.CentreDir); err != nil || w.IssuerKey == nil {
		return nil, fmt.Errorf("world: issuer key: %v", err)
	}
	steps := [][]string{
		{"accounts", "import", "--data", w.CentreDir, files.accounts},
		{"publish", "--data", w.CentreDir, "--catalogue", filepath.Join(root, "testdata", "catalogue.csv"), "--rules", files.rules},
		{"user", "add", "--data", w.CentreDir, "--name", SupervisorName, "--role", "supervisor"},
	}
	for _, args := range steps {
		if _, err := w.centreCLI(ctx, SupervisorPassword+"\n", args...); err != nil {
			return nil, err
		}
	}
	if w.Token, err = w.centreCLI(ctx, "", "enrol", "--data", w.CentreDir, "--terminal", Terminal, "--pharmacy", Pharmacy); err != nil {
		return nil, err
	}
	return w, nil
}

type inputFiles struct{ accounts, rules string }

// writeInputs writes the accounts CSV and the rules JSON into the world.
func (w *World) writeInputs(balance int64) (inputFiles, error) {
	f := inputFiles{accounts: filepath.Join(w.Dir, "accounts.csv"), rules: filepath.Join(w.Dir, "rules.json")}
	rules, err := PermissiveRules()
	if err != nil {
		return f, err
	}
	if err := os.MkdirAll(w.CentreDir, 0o700); err != nil {
		return f, fmt.Errorf("world: %w", err)
	}
	if err := os.WriteFile(f.accounts, AccountsCSV(w.Cards, balance), 0o600); err != nil {
		return f, fmt.Errorf("world: %w", err)
	}
	if err := os.WriteFile(f.rules, rules, 0o600); err != nil {
		return f, fmt.Errorf("world: %w", err)
	}
	return f, nil
}

// centreCLI runs one centre command and returns the last line it printed.
func (w *World) centreCLI(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, w.Bins.Centre, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("centre %s: %w\n%s%s", strings.Join(args[:min(2, len(args))], " "), err, out.Bytes(), errb.Bytes())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

// Centre is `centre run` on the world's data directory at listen
// (127.0.0.1:port); it is ready when GET /healthz answers 200.
func (w *World) Centre(listen string) *Proc {
	url := "http://" + listen + "/healthz"
	return &Proc{
		Name: "centre", Path: w.Bins.Centre, LogPath: filepath.Join(w.Dir, "centre.log"),
		Args:  []string{"run", "--data", w.CentreDir, "--listen", listen},
		Ready: func(ctx context.Context) error { return probeHTTP(ctx, url) },
	}
}

// Agent is `posagent run` for the world's terminal: POS API at listen,
// centre at centreAddr (host:port, perhaps a proxy's), card reader on the
// serial line at readerPath (frame format), and the e-voucher scanner at
// scannerPath ("" for none).
func (w *World) Agent(listen, centreAddr, readerPath, scannerPath string) *Proc {
	pos := w.POS(listen)
	args := []string{"run", "--data", w.AgentDir, "--listen", listen, "--api-token", APIToken,
		"--reader", readerPath, "--reader-format", "frame",
		"--centre", "ws://" + centreAddr, "--terminal", Terminal, "--terminal-token", w.Token,
		"--centre-key", w.KeyFile}
	if scannerPath != "" {
		args = append(args, "--scanner", scannerPath)
	}
	return &Proc{
		Name: "posagent", Path: w.Bins.Posagent, LogPath: filepath.Join(w.Dir, "posagent.log"),
		Args: args,
		Ready: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			_, err := pos.Status(ctx)
			return err
		},
	}
}

// IssueVoucher has the running centre issue an e-voucher for card, as
// the national app would (the admin API `centre voucher` uses), and
// returns its token. It fails while the centre is down: the harness never
// opens the store beside a centre being restarted.
func (w *World) IssueVoucher(ctx context.Context, card string) (string, error) {
	a, ok := admin.Running(ctx, w.CentreDir)
	if !ok {
		return "", errors.New("world: the centre is not running")
	}
	defer a.Close()
	token, _, err := a.IssueVoucher(ctx, card)
	if err != nil {
		return "", fmt.Errorf("world: issue e-voucher: %w", err)
	}
	return token, nil
}

// JournalPath is the agent's journal file.
func (w *World) JournalPath() string { return filepath.Join(w.AgentDir, "journal.db") }

// StorePath is the centre's store file.
func (w *World) StorePath() string { return filepath.Join(w.CentreDir, datadir.StoreFile) }

// POS is a POS API client of the agent at listen. Its requests time out
// after 20 s so that a hung agent fails a test instead of stalling it.
func (w *World) POS(listen string) *api.Client {
	return &api.Client{Base: "http://" + listen, Token: APIToken,
		HTTP: &http.Client{Timeout: 20 * time.Second}}
}

// probeHTTP reports whether GET url answers 200 within a second.
func probeHTTP(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	return nil
}

// Ports FreeAddr picks from: below Linux's default ephemeral range
// (32768–60999), so that no outgoing connection of any process takes the
// port while a killed program is being restarted on it.
const (
	portLow  = 20000
	portHigh = 32000
)

// FreeAddr returns a loopback address with a port that was free a moment
// ago, for a program that must come back on the same port after a kill.
func FreeAddr() (string, error) {
	var last error
	for range 100 {
		addr := fmt.Sprintf("127.0.0.1:%d", portLow+rand.IntN(portHigh-portLow))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			last = err
			continue
		}
		if err := ln.Close(); err != nil {
			return "", fmt.Errorf("free port: %w", err)
		}
		return addr, nil
	}
	return "", fmt.Errorf("free port: none found in %d–%d: %w", portLow, portHigh, last)
}
