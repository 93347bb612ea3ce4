package cashier

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"posagent/reader"
)

// dialEvents opens the page's event stream as the page's script would.
func (w *world) dialEvents(c *http.Client, origin string) (*websocket.Conn, *http.Response, error) {
	u := mustParse(w.t, w.srv.URL+"/cashier/")
	h := http.Header{}
	for _, ck := range c.Jar.Cookies(u) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	h.Set("Origin", origin)
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(w.srv.URL, "http")+"/cashier/api/events", h)
}

func TestEventsStreamTheReaderToTheLoggedInPage(t *testing.T) {
	w := newWorld(t)
	c := w.client(true)
	conn, _, err := w.dialEvents(c, w.srv.URL)
	if err != nil {
		t.Fatalf("dial events: %v", err)
	}
	defer conn.Close()
	// The stream subscribes, then starts its ping ticker on the agent's
	// clock: once the ticker waits, the card inserted is streamed.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // bounds a hang
	defer cancel()
	if err := w.clock.BlockUntil(ctx, 1); err != nil {
		t.Fatalf("the stream never set its ticker: %v", err)
	}
	w.insertCard()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // turns a hang into a failure
	var ev reader.Event
	if err := conn.ReadJSON(&ev); err != nil {
		t.Fatalf("no card event: %v", err)
	}
	if ev.Type != "card" || ev.Card == nil || ev.Card.CardNo != "A00000001" {
		t.Fatalf("event %+v, want 张三's card", ev)
	}
}

func TestEventsRefuseOtherOriginsAndAnonymousBrowsers(t *testing.T) {
	w := newWorld(t)
	if _, res, err := w.dialEvents(w.client(true), "http://evil.example"); err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin stream: err %v, response %v; want 403", err, res)
	}
	if _, res, err := w.dialEvents(w.client(false), w.srv.URL); err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("stream without a session: err %v, response %v; want 401", err, res)
	}
}
