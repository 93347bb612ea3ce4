package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"posagent/internal/demo"
	"posagent/reader"
)

// demoCommand runs a centre, a simulated reader and an agent on this
// machine. With --script it walks a scripted day and exits 0 only if every
// step behaved as expected; otherwise it runs until interrupted and takes
// swipes from standard input.
func demoCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	script := fs.Bool("script", false, "walk a scripted day and exit")
	dir := fs.String("data", "", "keep the demo's data here (default: a temporary folder, removed on exit)")
	format := fs.String("reader-format", "frame", "simulated reader format: frame or track2")
	verbose := fs.Bool("v", false, "show the agent's and centre's logs")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "posagent-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	}
	level := slog.LevelError
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	opts := demo.Options{Dir: *dir, Format: reader.Format(*format), Logger: log}
	if *script {
		// The scripted day starts at 10:00 pharmacy time, whenever it runs.
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return err
		}
		opts.Clock = demo.ClockAt(loc, 10)
	}
	env, err := demo.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer env.Close()
	if *script {
		if err := demo.Script(ctx, env, stdout); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "\nscripted day: every step behaved as expected")
		return nil
	}
	if err := env.WaitReady(ctx); err != nil {
		return err
	}
	printDemoBanner(stdout, env)
	return demoREPL(ctx, env, os.Stdin, stdout)
}

func printDemoBanner(w io.Writer, env *demo.Env) {
	fmt.Fprintf(w, `posagent demo is running (Ctrl-C to stop)

  cashier page   %s/cashier/login?token=%s   (open in a browser)
  POS API        %s   (Authorization: Bearer %s)
  console        %s/console/   (supervisor %s / %s, admin %s / %s)
  supervisor API %s/api/transactions   (HTTP Basic, same users)
  centre key     %s

Type a command and Enter:
  swipe NAME     present a sample card (zhang-san, chen-gang, zhao-liu, sun-xiaobao, li-si-bad-id, wang-wu-lost)
  remove         take the card out of the reader
  quit

Try:  curl -s -H 'Authorization: Bearer %s' %s/v1/status
`, env.POS.Base, demo.APIToken, env.POS.Base, demo.APIToken, env.CentreURL(), demo.SupervisorName, demo.SupervisorPassword,
		demo.AdminName, demo.AdminPassword, env.CentreURL(), env.KeyFile, demo.APIToken, env.POS.Base)
}

// demoREPL reads swipe commands until quit, end of input or ctx ends.
func demoREPL(ctx context.Context, env *demo.Env, in io.Reader, w io.Writer) error {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				<-ctx.Done() // stdin closed (e.g. run in the background): keep serving
				return nil
			}
			f := strings.Fields(line)
			switch {
			case len(f) == 0:
			case f[0] == "quit" || f[0] == "exit":
				return nil
			case f[0] == "remove":
				if err := env.RemoveCard(); err != nil {
					fmt.Fprintln(w, "remove:", err)
				}
			case f[0] == "swipe" && len(f) == 2:
				card, err := env.Card(f[1])
				if err == nil {
					err = env.Swipe(ctx, card)
				}
				if err != nil {
					fmt.Fprintln(w, "swipe:", err)
				} else {
					fmt.Fprintf(w, "card %s (%s) is in the reader\n", card.CardNo, card.Name)
				}
			default:
				fmt.Fprintln(w, "commands: swipe NAME | remove | quit")
			}
		}
	}
}
