package centre

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

func TestServiceWritesItsFilesAndAdminGoesThroughIt(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	pubPath, err := Keygen(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Keygen(dir, false); err == nil {
		t.Fatal("keygen replaced an existing key without force")
	}
	svc, err := Start(ctx, ServiceConfig{DataDir: dir, Listen: "127.0.0.1:0", Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	if _, err := Start(ctx, ServiceConfig{DataDir: dir, Listen: "127.0.0.1:0", Logger: quietLogger()}); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second centre on the same data: %v, want ErrLocked", err)
	}
	addr, err := os.ReadFile(filepath.Join(dir, AddrFile))
	if err != nil || strings.TrimSpace(string(addr)) != svc.Addr() {
		t.Fatalf("centre.addr %q (%v), want %s", addr, err, svc.Addr())
	}
	if fi, err := os.Stat(filepath.Join(dir, AdminTokenFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin.token: %v %v, want mode 0600", fi, err)
	}

	a, err := OpenAdmin(context.Background(), dir, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Via(), "centre at") {
		t.Fatalf("admin goes via %s while the centre runs", a.Via())
	}
	token, err := a.Enrol(ctx, "T1", "P1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Publish(ctx, []byte("code\n"), []byte(testRules)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad publish through the centre: %v, want ErrInvalid", err)
	}
	if v, err := a.Publish(ctx, []byte(testCatalogue), []byte(testRules)); err != nil || v != 1 {
		t.Fatalf("publish through the centre: %d, %v", v, err)
	}
	a.Close()
	// The token works on the running centre's websocket.
	ws, _, err := dialAgent("ws://"+svc.Addr()+wire.AgentPath, "T1", token)
	if err != nil {
		t.Fatalf("agent with the enrolled token: %v", err)
	}
	ws.Close()

	if err := svc.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, AddrFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("centre.addr left after a clean stop: %v", err)
	}
	a, err = OpenAdmin(context.Background(), dir, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if !strings.Contains(a.Via(), "store") {
		t.Fatalf("admin goes via %s with no centre running", a.Via())
	}
	if v, err := a.BlockCards(ctx, []string{"1001"}, nil); err != nil || v != 1 {
		t.Fatalf("direct block: %d, %v", v, err)
	}
	if _, err := wire.ReadPublicKey(pubPath); err != nil {
		t.Fatalf("public key file: %v", err)
	}
}
