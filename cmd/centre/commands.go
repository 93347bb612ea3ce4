package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"posagent/internal/cardproof"
	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/admin"
	"posagent/sync/centre/datadir"
	"posagent/sync/centre/service"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// runCommand is `centre run`: serve until SIGINT or SIGTERM.
type runCommand struct {
	data, listen, db, zone string
	limits                 service.Limits
	proxies                web.TrustedProxies
	lookupRate             float64
	lookupBurst            int
	entryQuota             int
}

func (c *runCommand) Run(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run")
	fs.StringVar(&c.data, "data", "", "data directory")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:7400", "listen address host:port")
	fs.StringVar(&c.db, "db", "", "PostgreSQL URL (postgres://user@host/db); default: the embedded store in --data")
	fs.StringVar(&c.zone, "time-zone", centre.DefaultZone, "the region's time zone: days begin and end in it, the console shows times in it")
	d := service.DefaultLimits
	fs.DurationVar(&c.limits.ReadHeaderTimeout, "read-header-timeout", d.ReadHeaderTimeout, "time a client has to send a request's header")
	fs.DurationVar(&c.limits.ReadTimeout, "read-timeout", d.ReadTimeout, "time to read a whole request (not the agents' websocket)")
	fs.DurationVar(&c.limits.WriteTimeout, "write-timeout", d.WriteTimeout, "time to write a response (not the agents' websocket)")
	fs.DurationVar(&c.limits.IdleTimeout, "idle-timeout", d.IdleTimeout, "how long an idle keep-alive connection is kept")
	fs.IntVar(&c.limits.MaxConns, "max-conns", d.MaxConns, "open connections in total")
	fs.IntVar(&c.limits.MaxConnsPerAddr, "max-conns-per-addr", d.MaxConnsPerAddr, "open connections from one remote IP")
	fs.Float64Var(&c.lookupRate, "lookup-rate", centre.DefaultLookupRate, "account look-ups per second one terminal is answered in the long run")
	fs.IntVar(&c.lookupBurst, "lookup-burst", centre.DefaultLookupBurst, "account look-ups one terminal is answered at once before --lookup-rate applies")
	fs.IntVar(&c.entryQuota, "entry-quota", centre.DefaultEntryQuota, "new journal entries one terminal may have applied in a day")
	fs.Func("trusted-proxy", "CIDR[,CIDR...] of reverse proxies whose X-Forwarded-Proto and X-Forwarded-For are believed (default none)",
		func(s string) error {
			p, err := web.ParseTrustedProxies(s)
			c.proxies = append(c.proxies, p...)
			return err
		})
	if err := parse(fs, args, "data", "time-zone"); err != nil {
		return err
	}
	loc, err := time.LoadLocation(c.zone)
	if err != nil || c.zone == "Local" {
		return fmt.Errorf("%w: --time-zone %q is not a zone name such as Asia/Shanghai", errUsage, c.zone)
	}
	if c.entryQuota < 1 {
		return fmt.Errorf("%w: --entry-quota %d: want at least 1", errUsage, c.entryQuota)
	}
	if !(c.lookupRate > 0) || c.lookupRate > 1e6 || c.lookupBurst < 1 {
		return fmt.Errorf("%w: --lookup-rate %v and --lookup-burst %d: want a rate above 0 and a burst of at least 1",
			errUsage, c.lookupRate, c.lookupBurst)
	}
	st, err := openRunStore(ctx, e, c.data, c.db)
	if err != nil {
		return err
	}
	svc, err := service.Start(ctx, service.Config{DataDir: c.data, Listen: c.listen, Logger: e.log,
		Store: st, Location: loc, Limits: c.limits, TrustedProxies: c.proxies,
		LookupRate: c.lookupRate, LookupBurst: c.lookupBurst, EntryQuota: c.entryQuota}) // the service closes st
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "centre listening on %s (agents: ws://%s/v1/agent; days in %s)\n",
		svc.Addr(), svc.Addr(), svc.Centre().Location())
	return svc.Wait()
}

// keygenCommand is `centre keygen`: the bundle signing key pair, or with
// --issuer the region's card issuer key.
type keygenCommand struct {
	data          string
	force, issuer bool
}

func (c *keygenCommand) Run(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "keygen")
	fs.StringVar(&c.data, "data", "", "data directory")
	fs.BoolVar(&c.force, "force", false, "replace an existing signing key pair (never an issuer key)")
	fs.BoolVar(&c.issuer, "issuer", false, "make the region's card issuer key instead (issuer.key): the centre then verifies every charge's card proof")
	if err := parse(fs, args, "data"); err != nil {
		return err
	}
	if c.issuer {
		if c.force {
			return fmt.Errorf("%w: --force does not apply to --issuer: an issuer key is never replaced", errUsage)
		}
		key, err := cardproof.NewIssuerKey()
		if err != nil {
			return err
		}
		if err := datadir.SaveIssuerKey(c.data, key); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "issuer key written; keep it secret and backed up, restart the centre to verify card proofs:")
		fmt.Fprintln(e.stdout, filepath.Join(c.data, datadir.IssuerKeyFile))
		return nil
	}
	pub, err := datadir.Keygen(c.data, c.force)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "signing key written; give agents this public key file (--centre-key):")
	fmt.Fprintln(e.stdout, pub)
	return nil
}

// publishCommand is `centre publish`.
type publishCommand struct{ data, catalogue, rules string }

func (c *publishCommand) Run(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "publish")
	fs.StringVar(&c.data, "data", "", "data directory")
	fs.StringVar(&c.catalogue, "catalogue", "", "catalogue CSV file")
	fs.StringVar(&c.rules, "rules", "", "rules JSON file")
	if err := parse(fs, args, "data", "catalogue", "rules"); err != nil {
		return err
	}
	cat, err := os.ReadFile(c.catalogue)
	if err != nil {
		return err
	}
	rules, err := os.ReadFile(c.rules)
	if err != nil {
		return err
	}
	return withAdmin(e, c.data, func(a admin.Admin) error {
		v, err := a.Publish(ctx, cat, rules)
		if err == nil {
			fmt.Fprintf(e.stdout, "bundle version %d published (via %s)\n", v, a.Via())
		}
		return err
	})
}

// importCommand is `centre accounts import`.
type importCommand struct{ data string }

func (c *importCommand) Run(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "accounts import")
	fs.StringVar(&c.data, "data", "", "data directory")
	if err := parse(fs, args, "data"); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: one accounts CSV file expected", errUsage)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	return withAdmin(e, c.data, func(a admin.Admin) error {
		n, err := a.ImportAccountsCSV(ctx, f)
		if err == nil {
			fmt.Fprintf(e.stdout, "%d accounts imported (via %s)\n", n, a.Via())
		}
		return err
	})
}

// enrolCommand is `centre enrol`; the token is the last line printed.
type enrolCommand struct{ data, terminal, pharmacy string }

func (c *enrolCommand) Run(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "enrol")
	fs.StringVar(&c.data, "data", "", "data directory")
	fs.StringVar(&c.terminal, "terminal", "", "terminal id")
	fs.StringVar(&c.pharmacy, "pharmacy", "", "pharmacy id")
	if err := parse(fs, args, "data", "terminal", "pharmacy"); err != nil {
		return err
	}
	return withAdmin(e, c.data, func(a admin.Admin) error {
		token, err := a.Enrol(ctx, c.terminal, c.pharmacy)
		if err == nil {
			fmt.Fprintf(e.stdout, "terminal %s of pharmacy %s enrolled (via %s); its token (--terminal-token):\n", c.terminal, c.pharmacy, a.Via())
			fmt.Fprintln(e.stdout, token)
		}
		return err
	})
}

// voucherCommand is `centre voucher`; the last line printed is the QR
// code's content, as a scanner sends it.
type voucherCommand struct{ data, card string }

func (c *voucherCommand) Run(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "voucher")
	fs.StringVar(&c.data, "data", "", "data directory")
	fs.StringVar(&c.card, "card", "", "card number")
	if err := parse(fs, args, "data", "card"); err != nil {
		return err
	}
	return withAdmin(e, c.data, func(a admin.Admin) error {
		token, expires, err := a.IssueVoucher(ctx, c.card)
		if err == nil {
			fmt.Fprintf(e.stdout, "e-voucher for card %s issued (via %s), valid until %s; scan content:\n",
				c.card, a.Via(), expires.Format(time.RFC3339))
			fmt.Fprintln(e.stdout, wire.VoucherPrefix+token)
		}
		return err
	})
}

// userAddCommand is `centre user add`; the password is stdin's first line.
type userAddCommand struct{ data, name, role string }

func (c *userAddCommand) Run(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user add")
	fs.StringVar(&c.data, "data", "", "data directory")
	fs.StringVar(&c.name, "name", "", "user name")
	fs.StringVar(&c.role, "role", "", "supervisor or admin")
	if err := parse(fs, args, "data", "name", "role"); err != nil {
		return err
	}
	if f, ok := e.stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(e.stderr, "password (will be shown): ")
		}
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return fmt.Errorf("no password on stdin: %w", err)
	}
	return withAdmin(e, c.data, func(a admin.Admin) error {
		err := a.AddUser(ctx, c.name, c.role, password)
		if err == nil {
			fmt.Fprintf(e.stdout, "user %s (%s) added (via %s)\n", c.name, c.role, a.Via())
		}
		return err
	})
}

// blockCommand is `centre block`.
type blockCommand struct {
	data    string
	cards   []string
	unblock bool
}

func (c *blockCommand) Run(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "block")
	fs.StringVar(&c.data, "data", "", "data directory")
	fs.Func("card", "card number (repeat for more)", func(s string) error {
		c.cards = append(c.cards, s)
		return nil
	})
	fs.BoolVar(&c.unblock, "unblock", false, "take the cards off the blocklist")
	if err := parse(fs, args, "data"); err != nil {
		return err
	}
	if len(c.cards) == 0 {
		return fmt.Errorf("%w: --card required", errUsage)
	}
	add, remove := c.cards, []string(nil)
	if c.unblock {
		add, remove = nil, c.cards
	}
	return withAdmin(e, c.data, func(a admin.Admin) error {
		v, err := a.BlockCards(ctx, add, remove)
		if err == nil {
			fmt.Fprintf(e.stdout, "blocklist version %d published (via %s)\n", v, a.Via())
		}
		return err
	})
}

// rebaseCommand is `centre terminal rebase`.
type rebaseCommand struct{ data, terminal, by string }

func (c *rebaseCommand) Run(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "terminal rebase")
	fs.StringVar(&c.data, "data", "", "data directory")
	fs.StringVar(&c.terminal, "terminal", "", "terminal id")
	fs.StringVar(&c.by, "by", osUser(), "who rebases, for the record (default: the OS user)")
	if err := parse(fs, args, "data", "terminal", "by"); err != nil {
		return err
	}
	return withAdmin(e, c.data, func(a admin.Admin) error {
		m, err := a.RebaseTerminal(ctx, c.terminal, c.by)
		if err == nil {
			fmt.Fprintf(e.stdout, "terminal %s rebased by %s (via %s): JOURNAL_REPLACED seen %s (%s: journal at seq %d, centre at %d); "+
				"an empty journal continues after seq %d\n", c.terminal, m.RebasedBy, a.Via(),
				m.SeenAt.Format(time.RFC3339), m.Reason, m.AgentSeq, m.AckedSeq, m.RebaseSeq)
		}
		return err
	})
}

// osUser is the name of the user running the command, "" when unknown.
func osUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

// withAdmin runs fn with the admin operations of dataDir.
func withAdmin(e *env, dataDir string, fn func(admin.Admin) error) error {
	a, err := admin.Open(context.Background(), dataDir, func(ctx context.Context) (store.Store, string, error) {
		return openAdminStore(ctx, e, dataDir)
	})
	if err != nil {
		return err
	}
	err = fn(a)
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	return err
}

// auditVerifyCommand is `centre audit verify`: walk the audit log's hash
// chain; exit 1 when it is broken.
type auditVerifyCommand struct{ data string }

func (c *auditVerifyCommand) Run(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit verify")
	fs.StringVar(&c.data, "data", "", "data directory")
	if err := parse(fs, args, "data"); err != nil {
		return err
	}
	return withAdmin(e, c.data, func(a admin.Admin) error {
		chain, err := a.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		if b := chain.Broken; b != nil {
			return fmt.Errorf("audit log broken at seq %d (%s) (via %s); the %d events before it verify",
				b.Seq, auditBreakText[b.Reason], a.Via(), chain.Verified)
		}
		fmt.Fprintf(e.stdout, "audit log: chain verified, %d events (via %s)\n", chain.Verified, a.Via())
		return nil
	})
}

// auditBreakText says what each kind of break means.
var auditBreakText = map[string]string{
	store.AuditBadHash: "the event does not match its hash: it was changed",
	store.AuditBadLink: "it does not link to the event before",
	store.AuditGap:     "its seq does not follow the one before: events were removed or inserted",
}
