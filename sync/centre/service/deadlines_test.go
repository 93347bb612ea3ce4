package service

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestNoDeadlinesLiftsTheServersTimeouts: behind noDeadlines a handler
// still reads a request body that arrives after the server's read
// timeout; without it the read fails. (The agents' websocket is also
// exempt without it: net/http clears a connection's deadlines when the
// upgrade hijacks it. TestAgentWebsocketOutlivesTheReadAndWriteTimeouts
// checks that route end to end.)
func TestNoDeadlinesLiftsTheServersTimeouts(t *testing.T) {
	const timeout = 200 * time.Millisecond
	readAll := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			w.WriteHeader(http.StatusRequestTimeout)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	for _, exempt := range []bool{true, false} {
		var h http.Handler = readAll
		if exempt {
			h = noDeadlines(readAll)
		}
		ts := httptest.NewUnstartedServer(h)
		ts.Config.ReadTimeout, ts.Config.WriteTimeout = timeout, 10*time.Second
		ts.Start()
		c, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = c.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello"))
		time.Sleep(3 * timeout)
		_, _ = c.Write([]byte("world"))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		switch {
		case exempt && (err != nil || resp.StatusCode != http.StatusNoContent):
			t.Errorf("behind noDeadlines: %v %v; want the body read after the read timeout", resp, err)
		case !exempt && err == nil && resp.StatusCode == http.StatusNoContent:
			t.Error("without noDeadlines the read timeout did not cut the body (the test proves nothing)")
		}
		c.Close()
		ts.Close()
	}
}
