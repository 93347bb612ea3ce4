package client

import (
	"strings"
	"testing"
)

// TestPlainWebsocketOnlyToLoopback: ws:// to another host is refused
// unless Insecure; loopback and wss:// are always allowed.
func TestPlainWebsocketOnlyToLoopback(t *testing.T) {
	base := Config{Terminal: "T1", Token: "tok", Outbox: nopOutbox{}, Handler: nopHandler{}}
	for _, tc := range []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"ws://10.0.0.7:7400", false, false},
		{"ws://centre.example:7400", false, false},
		{"ws://10.0.0.7:7400", true, true},
		{"ws://127.0.0.1:7400", false, true},
		{"ws://[::1]:7400", false, true},
		{"ws://localhost:7400", false, true},
		{"wss://centre.example", false, true},
	} {
		cfg := base
		cfg.URL, cfg.Insecure = tc.url, tc.insecure
		_, err := New(cfg)
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), "loopback")) {
			t.Errorf("%s insecure=%v: err %v, want ok=%v", tc.url, tc.insecure, err, tc.ok)
		}
	}
}
