package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Binaries are the programs under test, built once per test run.
type Binaries struct {
	Posagent string // path of the posagent program
	Centre   string // path of the centre program
}

// Build compiles cmd/posagent and cmd/centre of the module that holds the
// working directory into outDir. The programs are built without the race
// detector whatever the test binary uses: they run as separate processes,
// and race-instrumented restarts would cost most of the time budget. Set
// race to build them with it.
func Build(ctx context.Context, outDir string, race bool) (Binaries, error) {
	root, err := ModuleRoot()
	if err != nil {
		return Binaries{}, err
	}
	goCmd, err := goTool()
	if err != nil {
		return Binaries{}, err
	}
	bins := Binaries{
		Posagent: filepath.Join(outDir, "posagent"),
		Centre:   filepath.Join(outDir, "centre"),
	}
	for pkg, out := range map[string]string{"./cmd/posagent": bins.Posagent, "./cmd/centre": bins.Centre} {
		args := []string{"build", "-o", out}
		if race {
			args = append(args, "-race")
		}
		cmd := exec.CommandContext(ctx, goCmd, append(args, pkg)...)
		cmd.Dir = root
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return Binaries{}, fmt.Errorf("build %s: %w\n%s", pkg, err, stderr.Bytes())
		}
	}
	return bins, nil
}

// ModuleRoot returns the directory of the go.mod above the working
// directory: the repository root, where testdata/ lives.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// goTool finds the go command: on PATH, else in GOROOT.
func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("go command not found on PATH nor in GOROOT: %w", err)
	}
	return p, nil
}
