// Command centre runs the regional centre of posagent and administers it:
// keys, bundles, accounts, terminals and users. The work is done by package
// sync/centre and its packages; main.go parses flags and prints, store.go
// chooses the store.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // --time-zone must work on Windows, which has no zone database

	"posagent/internal/boltcheck"
	"posagent/sync/centre"
)

const usage = `centre — the regional centre of posagent

Usage:
  centre run      --data DIR --listen ADDR [--db postgres://...] [--time-zone Asia/Shanghai]
                  [--read-header-timeout 10s --read-timeout 30s --write-timeout 60s --idle-timeout 120s]
                  [--max-conns 10000 --max-conns-per-addr 200] [--trusted-proxy CIDR[,CIDR...]]
                  [--lookup-rate 1 --lookup-burst 30]
  centre keygen   --data DIR [--force]
  centre keygen   --data DIR --issuer   (the region's card issuer key; never replaced)
  centre publish  --data DIR --catalogue F.csv --rules F.json
  centre accounts import --data DIR F.csv
  centre enrol    --data DIR --terminal ID --pharmacy ID
  centre voucher  --data DIR --card CARD_NO
                  (issues an e-voucher token valid 120 s, standing in for the
                  national e-voucher app; the last line is the QR content, EC1:<token>)
  centre user add --data DIR --name N --role supervisor|admin   (password: first line of stdin)
  centre block    --data DIR --card C [--card C ...] [--unblock]
  centre whatif  --data DIR [--db postgres://...] --catalogue F.csv --rules F.json
                  --from YYYY-MM-DD --to YYYY-MM-DD [--time-zone Asia/Shanghai] [--json]
                  (replays the period's stored records against a draft bundle and
                  reports per pharmacy and reason code what would change; publishes nothing)
  centre terminal rebase --data DIR --terminal ID [--by NAME]
                  (a terminal marked JOURNAL_REPLACED continues after the
                  centre's acked seq with an empty journal; the break is recorded)
  centre audit verify --data DIR
                  (walks the audit log's hash chain; exit 1 names the first
                  event that breaks it)

The administrative commands work whether or not "centre run" is running on
the same --data: while it runs, they go through it.
`

// command is one subcommand.
type command interface {
	Run(ctx context.Context, env *env, args []string) error
}

// commands lists every subcommand; the usage text above lists them too.
var commands = map[string]func() command{
	"run":             func() command { return &runCommand{} },
	"keygen":          func() command { return &keygenCommand{} },
	"publish":         func() command { return &publishCommand{} },
	"accounts import": func() command { return &importCommand{} },
	"enrol":           func() command { return &enrolCommand{} },
	"voucher":         func() command { return &voucherCommand{} },
	"user add":        func() command { return &userAddCommand{} },
	"block":           func() command { return &blockCommand{} },
	"terminal rebase": func() command { return &rebaseCommand{} },
	"audit verify":    func() command { return &auditVerifyCommand{} },
	"whatif":          func() command { return &whatIfCommand{} },
}

// env is what a command talks to.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
}

// errUsage makes main print the usage and exit 2.
var errUsage = errors.New("usage")

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs one command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	name, rest := commandName(args)
	mk, ok := commands[name]
	if !ok {
		if name != "" && name != "help" && name != "-h" && name != "--help" {
			fmt.Fprintf(stderr, "centre: unknown command %q\n\n", name)
		}
		fmt.Fprint(stderr, usage)
		return 2
	}
	err := mk().Run(ctx, e, rest)
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp):
		if err != errUsage && err != flag.ErrHelp {
			fmt.Fprintf(stderr, "centre %s: %v\n\n", name, err)
		}
		fmt.Fprint(stderr, usage)
		return 2
	case errors.As(err, &ee):
		fmt.Fprintf(stderr, "centre %s: %v\n", name, ee.err)
		printCode(stderr, ee.err)
		return ee.code
	default:
		fmt.Fprintf(stderr, "centre %s: %v\n", name, err)
		printCode(stderr, err)
		if errors.Is(err, boltcheck.ErrDamaged) {
			fmt.Fprintf(stderr, "%s\n%s\n", boltcheck.Advice[0], boltcheck.Advice[1])
		}
		return 1
	}
}

// printCode prints the code of an operation's error with its Chinese
// text (centre.MessagesZh), for operators who read Chinese.
func printCode(stderr io.Writer, err error) {
	if code := centre.CodeOf(err); code != "" {
		fmt.Fprintf(stderr, "%s: %s\n", code, centre.MessagesZh[code])
	}
}

// commandName splits "accounts import ..." and "user add ..." as one name.
func commandName(args []string) (string, []string) {
	if len(args) == 0 {
		return "", nil
	}
	if len(args) >= 2 {
		if two := args[0] + " " + args[1]; commands[two] != nil {
			return two, args[2:]
		}
	}
	return args[0], args[1:]
}

// newFlags makes a flag set that reports to stderr and never exits.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("centre "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse parses flags and checks that every required one is set.
func parse(fs *flag.FlagSet, args []string, required ...string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	var missing []string
	for _, name := range required {
		if fs.Lookup(name).Value.String() == "" {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s required", errUsage, strings.Join(missing, ", "))
	}
	return nil
}
