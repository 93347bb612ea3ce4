package agent_test

import (
	"crypto/ed25519"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/sync/wire"
)

const testCatalogue = "code,name,barcodes,class,category,rx,price_cap,self_pay_bp,days_per_unit,max_days,chronic_max_days,diseases,min_age,max_age,sex\n" +
	"D0001,二甲双胍片,6901234500011,A,drug,1,2500,0,30,0,0,E11,,,\n"

// signedBundle is a bundle of testCatalogue, version v, issued v hours
// into November 2026.
func signedBundle(t *testing.T, priv ed25519.PrivateKey, v int64, catalogue string) wire.Signed {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(v) * time.Hour)
	return agenttest.Bundle(t, priv, v, at, catalogue, nil)
}

// restart closes a's journal and starts the terminal again on it, trusting
// pub.
func restart(t *testing.T, a *agenttest.Agent, dir string, pub ed25519.PublicKey) *agenttest.Agent {
	t.Helper()
	if err := a.Journal.Close(); err != nil {
		t.Fatal(err)
	}
	return agenttest.NewAgent(t, agenttest.AgentOptions{Dir: dir, Pub: pub, NoBundle: true})
}

func TestBundlesAreTrustedOnlyWhenSignedNewerAndWhole(t *testing.T) {
	dir := t.TempDir()
	a := agenttest.NewAgent(t, agenttest.AgentOptions{Dir: dir, NoBundle: true})
	priv := a.Priv
	_, forger := agenttest.Key(t)

	if _, err := a.OfferSigned(signedBundle(t, priv, 2, testCatalogue)); err != nil {
		t.Fatalf("good bundle refused: %v", err)
	}
	truncated := signedBundle(t, priv, 3, testCatalogue)
	truncated.Payload = truncated.Payload[:len(truncated.Payload)/2]
	unsigned := signedBundle(t, priv, 3, testCatalogue)
	unsigned.Signature = nil
	badCatalogue := signedBundle(t, priv, 3, "code,name\nX,Y\n") // signed, but not a catalogue
	cases := []struct {
		name string
		doc  wire.Signed
		want string
	}{
		{"forged", signedBundle(t, forger, 3, testCatalogue), "signature does not verify"},
		{"older", signedBundle(t, priv, 1, testCatalogue), "not newer than active bundle 2"},
		{"same version", signedBundle(t, priv, 2, testCatalogue), "not newer"},
		{"truncated", truncated, "signature does not verify"},
		{"unsigned", unsigned, "not signed"},
		{"signed but malformed", badCatalogue, "catalogue"},
	}
	for _, c := range cases {
		active, err := a.OfferSigned(c.doc)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want it to say %q", c.name, err, c.want)
		}
		if active != 2 || a.Bundle().Version != 2 {
			t.Errorf("%s: active version %d/%d, want 2 kept", c.name, active, a.Bundle().Version)
		}
		if got := a.Status().Rules.LastError; !strings.Contains(got, c.want) {
			t.Errorf("%s: status last_error %q", c.name, got)
		}
	}
	if _, err := a.OfferSigned(signedBundle(t, priv, 3, testCatalogue)); err != nil {
		t.Fatal(err)
	}
	if a.Status().Rules.LastError != "" {
		t.Errorf("a good bundle must clear the last error")
	}

	// The active bundle survives a restart, verified again on the way in.
	a2 := restart(t, a, dir, a.Pub)
	if a2.Bundle() == nil || a2.Bundle().Version != 3 {
		t.Fatalf("after restart the bundle is %+v, want version 3", a2.Bundle())
	}

	// Restarted with another centre key, the stored bundle is not trusted.
	other, _ := agenttest.Key(t)
	if a3 := restart(t, a2, dir, other); a3.Bundle() != nil {
		t.Fatal("a stored bundle that does not verify against the configured key was activated")
	}
}

func TestBlocklistDeltasApplyInOrderAndPersist(t *testing.T) {
	dir := t.TempDir()
	a := agenttest.NewAgent(t, agenttest.AgentOptions{Dir: dir, NoBundle: true})
	delta := func(v int64, add, remove []string) wire.Signed {
		at := time.Unix(v, 0).UTC()
		s, err := wire.Sign(a.Priv, wire.KindBlocklist, v, at, wire.BlocklistDelta{Kind: wire.KindBlocklist, Version: v, IssuedAt: at, Add: add, Remove: remove})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if _, err := a.OfferSigned(delta(2, []string{"X"}, nil)); err == nil {
		t.Fatal("delta 2 applied before delta 1")
	}
	for _, d := range []wire.Signed{delta(1, []string{"A", "B"}, nil), delta(2, []string{"C"}, []string{"A"})} {
		if _, err := a.OfferSigned(d); err != nil {
			t.Fatal(err)
		}
	}
	a2 := restart(t, a, dir, a.Pub)
	if _, bl := a2.Versions(); bl != 2 {
		t.Fatalf("blocklist version %d after restart, want 2", bl)
	}
	for card, want := range map[string]bool{"A": false, "B": true, "C": true, "D": false} {
		if got := a2.Blocked(card); got != want {
			t.Errorf("card %s blocked=%v, want %v", card, got, want)
		}
	}
}

func TestNewRefusesAMissingKey(t *testing.T) {
	j := agenttest.Journal(t)
	if _, err := agent.New(agent.Config{Terminal: agenttest.Terminal, Journal: j}); err == nil || !strings.Contains(err.Error(), "CentreKey") {
		t.Fatalf("New without a key: %v", err)
	}
	var e *agent.Error
	if !errors.As(agent.AsError(os.ErrClosed), &e) || e.Code != agent.CodeInternal || e.MessageZh == "" || !e.TerminalFault() {
		t.Fatalf("AsError of a plain error: %+v", e)
	}
}
