// Command posagent is the pharmacy-terminal service: it reads insurance
// cards, checks purchases against the centre's signed rules, charges the
// personal account, journals everything and syncs with the centre.
//
//	posagent run [flags]                               foreground
//	posagent install|uninstall|start|stop|status [flags]  the OS service
//	posagent demo [--script]                           everything on one machine
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // --time-zone must work on Windows, which has no zone database

	"posagent/internal/boltcheck"
)

const usage = `posagent — insurance-card checks and charges at the pharmacy counter

Usage:
  posagent run [flags]          run in the foreground
  posagent install [flags]      install as an OS service (Windows service / systemd unit) with these flags
  posagent uninstall            remove the OS service
  posagent start | stop         start or stop the OS service
  posagent status [flags]       the service's state and, if it runs, the terminal's status
  posagent demo [--script]      a centre, a simulated reader and an agent on this machine

Flags of run, install and status (also settable in --config FILE, a JSON file; flags win):
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "run":
		err = runCommand(ctx, rest, stderr)
	case "install", "uninstall", "start", "stop", "status":
		err = serviceCommand(ctx, cmd, rest, stdout, stderr)
	case "demo":
		err = demoCommand(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		printUsage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "posagent: unknown command %q\n\n", cmd)
		printUsage(stderr)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "posagent %s: %v\n", cmd, err)
		if errors.Is(err, boltcheck.ErrDamaged) {
			fmt.Fprintf(stderr, "%s\n%s\n", boltcheck.Advice[0], boltcheck.Advice[1])
		}
		if isUsage(err) {
			return 2
		}
		return 1
	}
	return 0
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	fs, _ := newFlagSet("run", io.Discard)
	fs.SetOutput(w)
	fs.PrintDefaults()
}
