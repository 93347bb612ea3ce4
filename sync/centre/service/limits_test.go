package service_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"posagent/sync/centre/centretest"
	"posagent/sync/centre/datadir"
	"posagent/sync/centre/service"
	"posagent/sync/centre/store"
)

// TestSlowAndIdleConnectionsAreCut: 400 connections that send half a
// request header, or nothing, are all closed by the server's header
// timeout; none is left holding a slot.
func TestSlowAndIdleConnectionsAreCut(t *testing.T) {
	dir := t.TempDir()
	st, err := datadir.OpenBolt(dir, store.BoltOptions{Logger: centretest.QuietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.Start(context.Background(), service.Config{DataDir: dir, Listen: "127.0.0.1:0",
		Logger: centretest.QuietLogger(), Store: st, Limits: service.Limits{
			ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond,
			IdleTimeout: 300 * time.Millisecond, MaxConns: 1000, MaxConnsPerAddr: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })

	const n = 400
	var wg sync.WaitGroup
	cut := make(chan bool, n)
	for i := range n {
		c, err := net.Dial("tcp", svc.Addr())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if i%2 == 0 {
			_, _ = c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")) // never finishes the header
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Generous guard for a loaded machine; the server cuts at 300 ms.
			_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
			buf := make([]byte, 512)
			for {
				if _, err := c.Read(buf); err != nil {
					ne, ok := err.(net.Error)
					cut <- !(ok && ne.Timeout())
					return
				}
			}
		}()
	}
	wg.Wait()
	close(cut)
	closed := 0
	for ok := range cut {
		if ok {
			closed++
		}
	}
	if closed != n {
		t.Fatalf("%d of %d slow or idle connections were cut by the server", closed, n)
	}
}
