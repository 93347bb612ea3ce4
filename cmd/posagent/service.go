package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/kardianos/service"

	"posagent/agent/daemon"
)

// serviceName is the OS service's name (Windows service, systemd unit).
const serviceName = "posagent"

// program adapts a daemon to kardianos/service.
type program struct {
	opts   options
	log    *slog.Logger
	cancel context.CancelFunc
	d      *daemon.Daemon
}

func (p *program) Start(s service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	d, err := daemon.Start(ctx, p.opts.cfg, p.log)
	if err != nil {
		cancel()
		return err
	}
	p.d = d
	return nil
}

// Stop ends the daemon within the time the OS allows (Windows waits about
// 20 s by default); the journal is closed on the way out.
func (p *program) Stop(s service.Service) error {
	if p.d == nil {
		return nil
	}
	return p.d.Stop()
}

// systemdUnit is the unit posagent installs under systemd (kardianos's
// template language). Unlike the library's default it restarts a crashed
// agent after 2 s rather than 120 s (a counter cannot wait), never gives up
// restarting, waits for the network, and gives a clean stop 20 s to close
// the journal. Logs go to journald.
const systemdUnit = `[Unit]
Description={{Description}}
ConditionFileIsExecutable={{Path | cmdEscape}}
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=0

[Service]
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
{{if UserName}}User={{UserName}}
{{end}}Restart=always
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=20

[Install]
WantedBy=multi-user.target
`

func serviceConfig(args []string) *service.Config {
	return &service.Config{
		Name:        serviceName,
		DisplayName: "posagent (医保定点药店收银核查)",
		Description: "Checks insurance-card purchases at the pharmacy counter and syncs them with the regional centre.",
		Arguments:   args,
		Option: service.KeyValue{
			"SystemdScript":          systemdUnit,
			"OnFailure":              "restart", // Windows: come back after a crash
			"OnFailureDelayDuration": "2s",
			"DelayedAutoStart":       true, // Windows: start after the network is up
		},
	}
}

// runCommand runs the agent in the foreground, or under the service
// manager when started by it.
func runCommand(ctx context.Context, args []string, stderr io.Writer) error {
	o, err := parseOptions("run", args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(o.logFormat, stderr)
	if !service.Interactive() {
		return runAsService(o, log)
	}
	d, err := daemon.Start(ctx, o.cfg, log)
	if err != nil {
		return err
	}
	return d.Wait()
}

// runAsService hands control to the OS service manager and also logs to the
// system log (Windows Event Log, syslog/journald).
func runAsService(o options, log *slog.Logger) error {
	p := &program{opts: o}
	s, err := service.New(p, serviceConfig(nil))
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	if syslog, err := s.Logger(nil); err == nil {
		log = slog.New(teeHandler{log.Handler(), syslogHandler{syslog}})
	}
	p.log = log
	return s.Run()
}

// serviceCommand installs, removes, starts, stops or reports the service.
func serviceCommand(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	var svcArgs []string
	if cmd == "install" {
		o, err := parseOptions(cmd, args, stderr)
		if err != nil {
			return err
		}
		cfgPath, err := writeServiceConfig(o)
		if err != nil {
			return err
		}
		svcArgs = []string{"run", "--config", cfgPath, "--log-format", o.logFormat}
	}
	s, err := service.New(&program{}, serviceConfig(svcArgs))
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	if cmd == "status" {
		return statusCommand(ctx, s, args, stdout, stderr)
	}
	if err := service.Control(s, cmd); err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	fmt.Fprintf(stdout, "posagent service: %s done\n", cmd)
	return nil
}

// writeServiceConfig stores the settings, tokens included, in a file only
// the service's account can read, so they are not on the command line.
func writeServiceConfig(o options) (string, error) {
	if err := os.MkdirAll(o.cfg.Data, 0o700); err != nil {
		return "", fmt.Errorf("install: %w", err)
	}
	path := filepath.Join(o.cfg.Data, "posagent.json")
	raw, err := json.MarshalIndent(o.cfg, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return "", fmt.Errorf("install: %w", err)
	}
	return path, nil
}
