package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// superuser is the cluster's superuser role; trust authentication on
// loopback lets it in without a password.
const superuser = "postgres"

// cluster is a running throwaway PostgreSQL cluster.
type cluster struct {
	dir  string // holds data/, the socket and postgres.log
	dsn  string // the maintenance database, over loopback TCP
	cmd  *exec.Cmd
	done chan struct{} // closed when the server process has exited
	err  error         // its exit status, once done
}

// startCluster creates a cluster in a new temporary directory and starts
// it on a free loopback port. PostgreSQL refuses to run as root, so as root
// its programs run as the postgres OS user.
func startCluster() (*cluster, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "posagent-pg-")
	if err != nil {
		return nil, fmt.Errorf("cluster dir: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("cluster dir: %w", err)
		}
	}
	c, err := initAndStart(bin, dir, cred)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// initAndStart runs initdb in dir, then the server, retrying the start when
// the free port it picked was taken in the meantime.
func initAndStart(bin, dir string, cred *syscall.Credential) (*cluster, error) {
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "--pgdata="+data, "--username="+superuser,
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.Dir = dir // as the postgres user it may not enter ours
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, tail(out, 4000))
	}
	var err error
	for range 3 {
		var c *cluster
		if c, err = startServer(bin, dir, cred); err == nil {
			return c, nil
		}
	}
	return nil, err
}

// startServer starts postgres on a free loopback port and waits until it
// accepts connections. The server gets SIGINT (fast shutdown) if this
// process dies first.
func startServer(bin, dir string, cred *syscall.Credential) (*cluster, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port), "-k", dir, "-c", "listen_addresses=127.0.0.1")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	c := &cluster{dir: dir, cmd: cmd, done: make(chan struct{}),
		dsn: fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres?sslmode=disable", superuser, port)}
	go func() { c.err = cmd.Wait(); close(c.done) }()
	if err := c.waitReady(); err != nil {
		_ = c.kill()
		log, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("postgres on port %d: %w\n%s", port, err, tail(log, 4000))
	}
	return c, nil
}

// waitReady polls until the server accepts a connection, exits, or the
// setup timeout passes.
func (c *cluster) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, c.dsn)
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-c.done:
			return fmt.Errorf("server exited: %v", c.err)
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %w", setupTimeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop shuts the server down (fast shutdown, then kill) and removes its
// directory.
func (c *cluster) stop() error {
	err := c.kill()
	if rmErr := os.RemoveAll(c.dir); rmErr != nil && err == nil {
		err = rmErr
	}
	if err != nil {
		return fmt.Errorf("stop cluster %s: %w", c.dir, err)
	}
	return nil
}

// kill asks the server for a fast shutdown and waits for it, killing it if
// it takes longer than ten seconds.
func (c *cluster) kill() error {
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-c.done:
		return nil
	case <-time.After(10 * time.Second):
	}
	_ = c.cmd.Process.Kill()
	<-c.done
	return errors.New("postgres did not shut down within 10 s; killed")
}

// findBinaries returns the directory holding initdb and postgres: the one
// POSAGENT_PG_BIN names, else the newest /usr/lib/postgresql/*/bin
// (Debian, Ubuntu), else initdb's directory on PATH.
func findBinaries() (string, error) {
	dirs, where := binaryDirs()
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w: no initdb and postgres in %s", errNotInstalled, where)
}

// binaryDirs lists where to look, in order, and says where that is.
func binaryDirs() ([]string, string) {
	if d := os.Getenv(EnvBin); d != "" {
		return []string{d}, d + " (" + EnvBin + ")"
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return majorOf(b) - majorOf(a) })
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	return dirs, "/usr/lib/postgresql/*/bin or on PATH"
}

// majorOf is the version number in /usr/lib/postgresql/<major>/bin; 0 when
// there is none.
func majorOf(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// credential is who PostgreSQL's programs run as: nil (this process's
// user) unless this process is root, then the postgres OS user.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w: running as root and no postgres user to run it as: %v", errNotInstalled, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("postgres user ids %q %q: %w", u.Uid, u.Gid, err)
	}
	// No supplementary groups: root's must not come along.
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePort returns a loopback TCP port nothing listens on right now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tail is the end of a long output, for an error message.
func tail(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return "…" + string(b[len(b)-n:])
}
