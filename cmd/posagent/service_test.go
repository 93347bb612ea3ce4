//go:build linux

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kardianos/service"
)

// TestSystemdUnit generates the systemd unit through kardianos/service's
// own systemd installer, as `posagent install` does, but as a user unit in
// a temporary home so nothing outside the test changes. This machine (a
// container) runs no systemd, so enabling and starting the unit cannot be
// exercised: Install's final `systemctl enable` is expected to fail after
// the unit file is written. The unit itself is checked line by line and,
// when systemd-analyze is installed, by `systemd-analyze verify`.
func TestSystemdUnit(t *testing.T) {
	var systemd service.System
	for _, s := range service.AvailableSystems() {
		if strings.Contains(s.String(), "systemd") {
			systemd = s
		}
	}
	if systemd == nil {
		t.Fatal("kardianos/service offers no systemd system on linux")
	}
	saved := service.AvailableSystems()
	// systemd's own detection says no in a container; the unit generator
	// is what is under test, so detection is overridden.
	service.ChooseSystem(detected{systemd})
	t.Cleanup(func() { service.ChooseSystem(saved...) })
	home := t.TempDir()
	t.Setenv("HOME", home)

	data := filepath.Join(t.TempDir(), "data")
	o, err := parseOptions("install", []string{"--data", data, "--api-token", "unit-test-api-token", "--terminal", "T9",
		"--centre", "wss://centre.example:8443", "--terminal-token", "tok", "--centre-key", "/etc/posagent/centre.pub"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath, err := writeServiceConfig(o)
	if err != nil {
		t.Fatal(err)
	}
	conf := serviceConfig([]string{"run", "--config", cfgPath, "--log-format", "json"})
	conf.Option["UserService"] = true
	s, err := service.New(&program{}, conf)
	if err != nil {
		t.Fatal(err)
	}
	installErr := s.Install() // writes the unit, then fails to reach systemd here
	unitPath := filepath.Join(home, ".config/systemd/user/posagent.service")
	raw, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatalf("no unit written (install: %v): %v", installErr, err)
	}
	unit := string(raw)
	exe, _ := os.Executable()
	for _, want := range []string{
		"[Unit]", "Description=Checks insurance-card purchases",
		"After=network-online.target",
		"[Service]", "ExecStart=" + exe + ` "run" "--config" "` + cfgPath + `" "--log-format" "json"`,
		"Restart=always", "RestartSec=2", "StartLimitIntervalSec=0", "TimeoutStopSec=20",
		"[Install]",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit lacks %q:\n%s", want, unit)
		}
	}
	if strings.Contains(unit, "unit-test-api-token") || strings.Contains(unit, "tok ") {
		t.Errorf("the unit must not carry tokens (they live in %s):\n%s", cfgPath, unit)
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: unit syntax not verified")
		return
	}
	out, err := exec.Command(analyze, "verify", unitPath).CombinedOutput()
	if strings.Contains(string(out), "Failed to initialize manager") {
		// A container without systemd cannot host the verifier's manager.
		t.Logf("systemd-analyze cannot run here: %s", out)
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "posagent.service") {
			t.Errorf("systemd-analyze verify: %s", line)
		}
	}
	t.Logf("systemd-analyze verify: err=%v output=%q", err, out)
}

// detected is a service system whose detection always says yes.
type detected struct{ service.System }

func (detected) Detect() bool { return true }
