package netproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// echoServer echoes every line back until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func newProxy(t *testing.T) *Proxy {
	t.Helper()
	p, err := New(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func dial(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip writes a line and reads it back within a second.
func roundTrip(c net.Conn, line string) (string, error) {
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	return got[:len(got)-1], nil
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestForwardsBothWays(t *testing.T) {
	p := newProxy(t)
	c := dial(t, p)
	got, err := roundTrip(c, "处方 42")
	if err != nil || got != "处方 42" {
		t.Fatalf("round trip = %q, %v", got, err)
	}
	if p.Active() != 1 || p.Accepted() != 1 {
		t.Fatalf("active %d accepted %d, want 1 and 1", p.Active(), p.Accepted())
	}
}

func TestCutClosesOpenConnections(t *testing.T) {
	p := newProxy(t)
	c1, c2 := dial(t, p), dial(t, p)
	for _, c := range []net.Conn{c1, c2} {
		if _, err := roundTrip(c, "x"); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.Cut(); n != 2 {
		t.Fatalf("Cut = %d, want 2", n)
	}
	for _, c := range []net.Conn{c1, c2} {
		c.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read after cut: %v, want the connection closed", err)
		}
	}
	waitFor(t, "links to drain", func() bool { return p.Active() == 0 })

	// Still up: a new connection works.
	if got, err := roundTrip(dial(t, p), "again"); err != nil || got != "again" {
		t.Fatalf("after cut = %q, %v", got, err)
	}
}

func TestDownRefusesThenRecovers(t *testing.T) {
	p := newProxy(t)
	old := dial(t, p)
	if _, err := roundTrip(old, "x"); err != nil {
		t.Fatal(err)
	}
	p.SetDown(true)
	if _, err := roundTrip(old, "y"); err == nil {
		t.Fatal("open connection survived SetDown(true)")
	}
	if c, err := net.Dial("tcp", p.Addr()); err == nil {
		defer c.Close()
		if _, err := roundTrip(c, "z"); err == nil {
			t.Fatal("new connection served while down")
		}
	}
	p.SetDown(false)
	if got, err := roundTrip(dial(t, p), "up"); err != nil || got != "up" {
		t.Fatalf("after SetDown(false) = %q, %v", got, err)
	}
}

func TestBlackholeDropsBytesKeepsConnection(t *testing.T) {
	p := newProxy(t)
	c := dial(t, p)
	p.SetBlackhole(true)
	c.SetDeadline(time.Now().Add(200 * time.Millisecond))
	io.WriteString(c, "lost\n")
	_, err := c.Read(make([]byte, 16))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read in black hole: %v, want a timeout", err)
	}
	if p.Active() != 1 {
		t.Fatalf("active = %d, want the connection kept", p.Active())
	}
	p.SetBlackhole(false)
	if got, err := roundTrip(c, "back"); err != nil || got != "back" {
		t.Fatalf("after black hole = %q, %v", got, err)
	}
}

func TestUnreachableTargetClosesClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := ln.Addr().String()
	ln.Close() // nothing listens there now
	p, err := New(target)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		return // reset before the dial returned: refused, as it should be
	}
	defer c.Close()
	if _, err := roundTrip(c, "x"); err == nil {
		t.Fatal("round trip to a dead target succeeded")
	}
}

func TestCloseEndsEverything(t *testing.T) {
	p, err := New(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, p)
	if _, err := roundTrip(c, "x"); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if p.Active() != 0 {
		t.Fatalf("active after Close = %d", p.Active())
	}
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Fatal("proxy still accepts after Close")
	}
}
