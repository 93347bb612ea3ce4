package client

import (
	"strings"
	"testing"
	"time"

	"posagent/sync/wire"
)

type nopOutbox struct{}

func (nopOutbox) Entries(uint64, int) ([]wire.Entry, error) { return nil, nil }
func (nopOutbox) LastSeq() uint64                           { return 0 }
func (nopOutbox) Acked() uint64                             { return 0 }
func (nopOutbox) SetAcked(uint64) error                     { return nil }

type nopHandler struct{}

func (nopHandler) Versions() (int64, int64)               { return 0, 0 }
func (nopHandler) OfferSigned(wire.Signed) (int64, error) { return 0, nil }

func TestNewValidatesAndNamesTheField(t *testing.T) {
	good := Config{URL: "ws://127.0.0.1:1", Terminal: "T1", Token: "tok", Outbox: nopOutbox{}, Handler: nopHandler{}}
	cases := []struct {
		field string
		edit  func(*Config)
	}{
		{"URL", func(c *Config) { c.URL = "" }},
		{"URL", func(c *Config) { c.URL = "http://centre:8080" }},
		{"URL", func(c *Config) { c.URL = "ws://" }},
		{"URL", func(c *Config) { c.URL = "ws://h/?x=1" }},
		{"Terminal", func(c *Config) { c.Terminal = "" }},
		{"Token", func(c *Config) { c.Token = "" }},
		{"Outbox", func(c *Config) { c.Outbox = nil }},
		{"Handler", func(c *Config) { c.Handler = nil }},
		{"MaxBackoff", func(c *Config) { c.MinBackoff, c.MaxBackoff = time.Second, time.Millisecond }},
		{"PingInterval", func(c *Config) { c.PingInterval = -1 }},
		{"DialTimeout", func(c *Config) { c.DialTimeout = -1 }},
	}
	for _, tc := range cases {
		cfg := good
		tc.edit(&cfg)
		_, err := New(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %v does not name the field", tc.field, err)
		}
	}
	c, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	if c.url != "ws://127.0.0.1:1/v1/agent" || c.cfg.PingInterval != DefaultPingInterval ||
		c.cfg.MinBackoff != DefaultMinBackoff || c.cfg.MaxBackoff != DefaultMaxBackoff {
		t.Fatalf("defaults not applied: url %q cfg %+v", c.url, c.cfg)
	}
	good.URL = "wss://centre.example/base/"
	if c, _ := New(good); c.url != "wss://centre.example/base/v1/agent" {
		t.Fatalf("url with a base path = %q", c.url)
	}
}

func TestOfflineClientAnswersAtOnce(t *testing.T) {
	c, err := New(Config{URL: "ws://127.0.0.1:1", Terminal: "T1", Token: "tok", Outbox: nopOutbox{}, Handler: nopHandler{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Account(t.Context(), "1234", ""); err != ErrOffline {
		t.Fatalf("Account before Run: %v, want ErrOffline", err)
	}
	if _, err := c.WaitSettled(t.Context(), 1); err != ErrOffline {
		t.Fatalf("WaitSettled before Run: %v, want ErrOffline", err)
	}
	st, err := c.WaitSettled(t.Context(), 0)
	if err != nil || st.Seq != 0 {
		t.Fatalf("WaitSettled(0) = %+v, %v: seq 0 is always covered", st, err)
	}
	if s := c.Status(); s.Connected {
		t.Fatal("connected before Run")
	}
	c.Kick()
	c.Kick() // never blocks
}
