package service_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"posagent/sync/centre/centretest"
	"posagent/sync/centre/datadir"
	"posagent/sync/centre/service"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
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

// TestAgentWebsocketOutlivesTheReadAndWriteTimeouts: the agents'
// websocket is exempt from the server's 300 ms read and write timeouts. A
// connection held open for four times that, kept alive by pings both
// ways, still answers a request.
func TestAgentWebsocketOutlivesTheReadAndWriteTimeouts(t *testing.T) {
	const timeout = 300 * time.Millisecond
	c := centretest.StartWithOptions(t, centretest.Options{Limits: service.Limits{
		ReadHeaderTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, IdleTimeout: timeout}})
	c.Accounts(map[string]int64{"1001": 5000})
	a := c.Connect("T1", c.Enrol("T1", "P1"))
	a.Hello(0, 0, 0)

	var pongs, pings atomic.Int32
	a.WS.SetPongHandler(func(string) error { pongs.Add(1); return nil })
	a.WS.SetPingHandler(func(data string) error {
		pings.Add(1)
		return a.WS.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	msgs := make(chan wire.Message, 4)
	readErr := make(chan error, 1)
	go func() {
		for {
			var m wire.Message
			if err := a.WS.ReadJSON(&m); err != nil {
				readErr <- err
				return
			}
			msgs <- m
		}
	}()

	deadline := time.Now().Add(4 * timeout)
	for i := 0; time.Now().Before(deadline); i++ {
		if err := a.WS.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(time.Second)); err != nil {
			t.Fatalf("ping after %v: %v", time.Since(deadline.Add(-4*timeout)), err)
		}
		if i == 5 {
			c.Clock.Advance(time.Minute) // the centre's ping interval passes: it pings
		}
		select {
		case err := <-readErr:
			t.Fatalf("connection ended while held open: %v", err)
		case m := <-msgs:
			t.Fatalf("unexpected %s message", m.Type)
		case <-time.After(timeout / 3):
		}
	}
	a.Send(wire.Message{Type: wire.TypeAccountReq, ID: "late", CardNo: "1001"})
	select {
	case m := <-msgs:
		if m.Type != wire.TypeAccount || m.ID != "late" || m.Account == nil || m.Account.Holder.Balance != 5000 {
			t.Fatalf("answer after %v: %+v", 4*timeout, m)
		}
	case err := <-readErr:
		t.Fatalf("connection ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no answer to a request after the connection was held open")
	}
	if pongs.Load() == 0 || pings.Load() == 0 {
		t.Fatalf("%d pongs to our pings, %d pings from the centre; want both", pongs.Load(), pings.Load())
	}
}
