package service_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"posagent/sync/centre"
	"posagent/sync/centre/admin"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/datadir"
	"posagent/sync/centre/service"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// openStore is what cmd/centre gives admin.Open: the embedded store,
// waiting briefly for its lock.
func openStore(dir string) admin.OpenStore {
	return func(context.Context) (store.Store, string, error) {
		path := filepath.Join(dir, datadir.StoreFile)
		st, err := store.OpenBolt(path, store.BoltOptions{Timeout: 500 * time.Millisecond, Logger: centretest.QuietLogger()})
		return st, "store " + path, err
	}
}

// start starts a service over dir on its embedded store.
func start(t *testing.T, dir string, reg prometheus.Registerer) (*service.Service, error) {
	t.Helper()
	st, err := datadir.OpenBolt(dir, store.BoltOptions{Logger: centretest.QuietLogger()})
	if err != nil {
		return nil, err
	}
	return service.Start(context.Background(), service.Config{DataDir: dir, Listen: "127.0.0.1:0",
		Logger: centretest.QuietLogger(), Store: st, Registerer: reg})
}

func TestServiceWritesItsFilesAndAdminGoesThroughIt(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	pubPath, err := datadir.Keygen(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := datadir.Keygen(dir, false); err == nil {
		t.Fatal("keygen replaced an existing key without force")
	}
	svc, err := start(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	if _, err := start(t, dir, nil); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second centre on the same data: %v, want ErrLocked", err)
	}
	addr, err := os.ReadFile(filepath.Join(dir, datadir.AddrFile))
	if err != nil || strings.TrimSpace(string(addr)) != svc.Addr() {
		t.Fatalf("centre.addr %q (%v), want %s", addr, err, svc.Addr())
	}
	if fi, err := os.Stat(filepath.Join(dir, datadir.AdminTokenFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin.token: %v %v, want mode 0600", fi, err)
	}

	a, err := admin.Open(ctx, dir, openStore(dir))
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
	if _, err := a.Publish(ctx, []byte("code\n"), []byte(centretest.Rules)); !errors.Is(err, centre.ErrInvalid) {
		t.Fatalf("bad publish through the centre: %v, want ErrInvalid", err)
	}
	if v, err := a.Publish(ctx, []byte(centretest.Catalogue), []byte(centretest.Rules)); err != nil || v != 1 {
		t.Fatalf("publish through the centre: %d, %v", v, err)
	}
	a.Close()
	// The token works on the running centre's websocket.
	ws, _, err := centretest.DialAgent("ws://"+svc.Addr()+wire.AgentPath, "T1", token)
	if err != nil {
		t.Fatalf("agent with the enrolled token: %v", err)
	}
	ws.Close()

	if err := svc.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, datadir.AddrFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("centre.addr left after a clean stop: %v", err)
	}
	a, err = admin.Open(ctx, dir, openStore(dir))
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

func TestMetricsGoToTheGivenRegisterer(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := centretest.StartWithOptions(t, centretest.Options{Registerer: reg})
	if n, err := testutil.GatherAndCount(reg, "posagent_centre_connected_agents"); err != nil || n != 1 {
		t.Fatalf("the given registry holds %d connected-agents series (%v), want 1", n, err)
	}
	if resp := c.Request("GET", "/metrics", nil, nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics of a gatherable registry: %d", resp.StatusCode)
	}
	if _, err := start(t, t.TempDir(), reg); err == nil {
		t.Fatal("a second centre registered the same metrics in one registry")
	}

	// A registerer that cannot be gathered: the metrics are the embedding
	// program's to serve, and /metrics is not routed.
	svc, err := start(t, t.TempDir(), onlyRegisterer{prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if resp := centretest.Request(t, "GET", svc.URL()+"/metrics", nil, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics served from a registerer that is not a gatherer: %d", resp.StatusCode)
	}
}

type onlyRegisterer struct{ r *prometheus.Registry }

func (o onlyRegisterer) Register(c prometheus.Collector) error   { return o.r.Register(c) }
func (o onlyRegisterer) MustRegister(cs ...prometheus.Collector) { o.r.MustRegister(cs...) }
func (o onlyRegisterer) Unregister(c prometheus.Collector) bool  { return o.r.Unregister(c) }
