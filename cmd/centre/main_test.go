package main

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"posagent/sync/centre/datadir"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

const (
	catalogueCSV = "code,name,barcodes,class,category,rx,price_cap,self_pay_bp,days_per_unit,max_days,chronic_max_days,diseases,min_age,max_age,sex\n" +
		"X001,Amoxicillin,6901234567890,A,drug,1,2500,0,1,0,0,,,,\n"
	rulesJSON   = `{"daily_count": 3}`
	accountsCSV = "card_no,person_id,name,balance,status,diseases,pharmacy\n1001,110101199003074514,张三,12345,active,E11,P1\n"
)

// cli runs one command line in-process and returns exit code and output.
func cli(t *testing.T, ctx context.Context, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// writeInputs writes the sample files into dir.
func writeInputs(t *testing.T, dir string) (cat, rules, accounts string) {
	t.Helper()
	cat, rules, accounts = filepath.Join(dir, "cat.csv"), filepath.Join(dir, "rules.json"), filepath.Join(dir, "accounts.csv")
	for path, body := range map[string]string{cat: catalogueCSV, rules: rulesJSON, accounts: accountsCSV} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return cat, rules, accounts
}

// adminSession runs every admin command against data and checks the
// output says which way it went.
func adminSession(t *testing.T, ctx context.Context, data, via string) (token string) {
	t.Helper()
	cat, rules, accounts := writeInputs(t, t.TempDir())
	steps := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"accounts", "import", "--data", data, accounts}, "1 accounts imported"},
		{"", []string{"enrol", "--data", data, "--terminal", "T1", "--pharmacy", "P1"}, "enrolled"},
		{"", []string{"voucher", "--data", data, "--card", "1001"}, "e-voucher for card 1001 issued"},
		{"s3cret-passphrase\n", []string{"user", "add", "--data", data, "--name", "sup", "--role", "supervisor"}, "user sup (supervisor) added"},
		{"", []string{"publish", "--data", data, "--catalogue", cat, "--rules", rules}, "bundle version 1 published"},
		{"", []string{"block", "--data", data, "--card", "1001"}, "blocklist version 1 published"},
		{"", []string{"block", "--data", data, "--card", "1001", "--unblock"}, "blocklist version 2 published"},
		{"", []string{"audit", "verify", "--data", data}, "audit log: chain verified, 7 events"},
	}
	for _, s := range steps {
		code, out, errOut := cli(t, ctx, s.stdin, s.args...)
		if code != 0 || !strings.Contains(out, s.want) || !strings.Contains(out, via) {
			t.Fatalf("%v: exit %d, out %q, err %q; want %q via %q", s.args, code, out, errOut, s.want, via)
		}
		if s.args[0] == "enrol" {
			token = lastLine(out)
		}
		if s.args[0] == "voucher" {
			if tok, err := wire.ParseVoucherQR(lastLine(out)); err != nil || len(tok) != 32 {
				t.Fatalf("voucher's last line %q: %v; want EC1: and 32 characters", lastLine(out), err)
			}
		}
	}
	if len(token) != 43 {
		t.Fatalf("token %q is not 32 bytes base64url", token)
	}
	return token
}

func TestAdminCommandsOnTheStoreDirectly(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	code, out, errOut := cli(t, ctx, "", "keygen", "--data", data)
	if code != 0 {
		t.Fatalf("keygen: %d %s", code, errOut)
	}
	pub := lastLine(out)
	if !filepath.IsAbs(pub) {
		t.Fatalf("keygen's last line %q is not an absolute path", pub)
	}
	if _, err := wire.ReadPublicKey(pub); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := cli(t, ctx, "", "keygen", "--data", data); code != 1 || !strings.Contains(errOut, "--force") {
		t.Fatalf("second keygen: exit %d, %q; want a refusal naming --force", code, errOut)
	}
	token := adminSession(t, ctx, data, "via store")

	st, err := store.OpenBolt(filepath.Join(data, datadir.StoreFile), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, err := st.Account(ctx, "1001")
	if err != nil || h.Balance != 12345 || h.Blocked {
		t.Fatalf("account %+v (%v): want balance 12345, unblocked again", h, err)
	}
	term, err := st.Terminal(ctx, "T1")
	if err != nil || term.Pharmacy != "P1" || term.TokenHash == "" || strings.Contains(term.TokenHash, token) {
		t.Fatalf("terminal %+v (%v)", term, err)
	}
	if u, err := st.User(ctx, "sup"); err != nil || u.Role != store.RoleSupervisor || bytes.Contains(u.PasswordHash, []byte("s3cret")) {
		t.Fatalf("user %+v (%v)", u, err)
	}
}

func TestAdminCommandsThroughARunningCentre(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if code, _, errOut := cli(t, ctx, "", "keygen", "--data", data); code != 0 {
		t.Fatal(errOut)
	}
	type result struct {
		code int
		out  string
	}
	exited := make(chan result, 1)
	go func() {
		code, out, _ := cli(t, ctx, "", "run", "--data", data, "--listen", "127.0.0.1:0", "--time-zone", "Europe/Berlin",
			"--trusted-proxy", "127.0.0.1/32,::1")
		exited <- result{code, out}
	}()
	addr := waitForAddr(t, data)
	adminSession(t, context.Background(), data, "via centre at http://"+addr)

	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	// --trusted-proxy: loopback is a proxy, believed when it says https.
	for proto, want := range map[string]string{"https": "max-age=31536000", "": ""} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/console/login", nil)
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); got != want {
			t.Errorf("X-Forwarded-Proto %q from a trusted proxy: HSTS %q, want %q", proto, got, want)
		}
	}
	// A weak password through the running centre: its code and Chinese text.
	if code, _, errOut := cli(t, context.Background(), "short\n", "user", "add", "--data", data, "--name", "x", "--role", "admin"); code != 1 || !strings.Contains(errOut, "WEAK_PASSWORD: 密码不符合要求") {
		t.Errorf("weak password via the centre: exit %d, stderr %q", code, errOut)
	}
	cancel() // as SIGINT would
	select {
	case r := <-exited:
		if r.code != 0 {
			t.Fatalf("run exited %d after the signal, want 0", r.code)
		}
		if !strings.Contains(r.out, "days in Europe/Berlin") {
			t.Errorf("the centre did not take --time-zone: %q", r.out)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop")
	}
	if _, err := os.Stat(filepath.Join(data, datadir.AddrFile)); !os.IsNotExist(err) {
		t.Fatalf("centre.addr left behind: %v", err)
	}
}

func TestUsageAndRefusals(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "centre run"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"enrol", "--data", t.TempDir()}, 2, "--terminal, --pharmacy required"},
		{[]string{"voucher", "--data", t.TempDir()}, 2, "--card required"},
		{[]string{"voucher", "--data", t.TempDir(), "--card", "9999"}, 1, "card 9999: no account for this card (import it first)"},
		{[]string{"run", "--data", t.TempDir(), "--db", "postgres://u@127.0.0.1:1/db?connect_timeout=5"}, 1, "open postgres store"},
		{[]string{"user", "add", "--data", t.TempDir(), "--name", "x", "--role", "admin"}, 1, "no password"},
		{[]string{"run", "--data", t.TempDir(), "--time-zone", "Mars/Olympus"}, 2, `--time-zone "Mars/Olympus"`},
		{[]string{"run", "--data", t.TempDir(), "--time-zone", "Local"}, 2, `--time-zone "Local"`},
		{[]string{"run", "--data", t.TempDir(), "--time-zone", ""}, 2, "--time-zone required"},
		{[]string{"run", "--data", t.TempDir(), "--trusted-proxy", "10.0.0.0/8,10.0.0.0/33"}, 2, `trusted proxy "10.0.0.0/33": not a CIDR`},
		{[]string{"run", "--data", t.TempDir(), "--trusted-proxy", "nginx"}, 2, `trusted proxy "nginx"`},
		{[]string{"run", "--data", t.TempDir(), "--entry-quota", "0"}, 2, "--entry-quota 0"},
		{[]string{"run", "--data", t.TempDir(), "--lookup-rate", "0"}, 2, "--lookup-rate 0"},
		{[]string{"run", "--data", t.TempDir(), "--lookup-burst", "0"}, 2, "--lookup-burst 0"},
		{[]string{"run", "--data", t.TempDir(), "--lookup-rate", "NaN"}, 2, "--lookup-rate NaN"},
		{[]string{"publish", "--data", t.TempDir(), "--catalogue", "/nonexistent.csv", "--rules", "/nonexistent.json"}, 1, "nonexistent.csv"},
	}
	for _, tc := range cases {
		code, _, errOut := cli(t, ctx, "", tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	for _, pw := range []string{"short", "password1234"} {
		code, _, errOut := cli(t, ctx, pw+"\n", "user", "add", "--data", t.TempDir(), "--name", "x", "--role", "admin")
		if code != 1 || !strings.Contains(errOut, "WEAK_PASSWORD: 密码不符合要求") {
			t.Errorf("user add with password %q: exit %d, stderr %q; want 1 and WEAK_PASSWORD with its Chinese text", pw, code, errOut)
		}
	}
	data := t.TempDir()
	cat, _, _ := writeInputs(t, data)
	bad := filepath.Join(data, "bad.json")
	os.WriteFile(bad, []byte(`{"daily_cuont": 1}`), 0o644)
	cli(t, ctx, "", "keygen", "--data", data)
	if code, _, errOut := cli(t, ctx, "", "publish", "--data", data, "--catalogue", cat, "--rules", bad); code != 1 || !strings.Contains(errOut, "daily_cuont") {
		t.Errorf("bad rules: exit %d, %q", code, errOut)
	}
}

func waitForAddr(t *testing.T, data string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(data, datadir.AddrFile)); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("centre.addr never appeared")
	return ""
}

func TestRealBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "centre")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := t.TempDir()
	_, _, accounts := writeInputs(t, t.TempDir())
	sh := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("centre %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if pub := lastLine(sh("", "keygen", "--data", data)); !strings.HasSuffix(pub, "centre.pub") {
		t.Fatalf("keygen last line %q", pub)
	}
	sh("", "accounts", "import", "--data", data, accounts)
	if tok := lastLine(sh("", "enrol", "--data", data, "--terminal", "T1", "--pharmacy", "P1")); len(tok) != 43 {
		t.Fatalf("token %q", tok)
	}
	sh("adm-password\n", "user", "add", "--data", data, "--name", "adm", "--role", "admin")

	cmd := exec.Command(bin, "run", "--data", data, "--listen", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	first, _ := bufio.NewReader(stdout).ReadString('\n')
	addr := waitForAddr(t, data)
	if !strings.Contains(first, addr) {
		t.Fatalf("run printed %q, want the address %s", first, addr)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body := new(bytes.Buffer)
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || body.String() != "ok" {
		t.Fatalf("healthz: %d %q", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/terminals", nil)
	req.SetBasicAuth("adm", "adm-password")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("terminals as admin: %v %v", resp, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("centre run after SIGTERM: %v, want exit 0", err)
	}
	if _, err := os.Stat(filepath.Join(data, datadir.AddrFile)); !os.IsNotExist(err) {
		t.Fatalf("centre.addr left after SIGTERM: %v", err)
	}
}

// TestKeygenIssuer: `centre keygen --issuer` writes the region's issuer
// key (0600) where `centre run` loads it, and never replaces it.
func TestKeygenIssuer(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	code, out, errOut := cli(t, ctx, "", "keygen", "--data", data, "--issuer")
	if code != 0 {
		t.Fatalf("keygen --issuer: %d %s", code, errOut)
	}
	path := filepath.Join(data, datadir.IssuerKeyFile)
	if lastLine(out) != path {
		t.Fatalf("keygen --issuer printed %q, want the key file %s", lastLine(out), path)
	}
	key, err := datadir.LoadIssuerKey(data)
	if err != nil || key == nil {
		t.Fatalf("issuer key: %x, %v", key, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("issuer key file: %v, %v; want mode 0600", fi, err)
	}
	for _, args := range [][]string{{"--issuer"}, {"--issuer", "--force"}} {
		if code, _, errOut := cli(t, ctx, "", append([]string{"keygen", "--data", data}, args...)...); code == 0 {
			t.Fatalf("keygen %v over an issuer key: exit 0 (%s); want a refusal", args, errOut)
		}
	}
	if again, _ := datadir.LoadIssuerKey(data); !bytes.Equal(again, key) {
		t.Fatal("the issuer key was replaced")
	}
}
