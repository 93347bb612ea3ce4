package client

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"posagent/agent/agenttest"
	"posagent/sync/wire"
)

const (
	testCatalogue = "code,name,barcodes,class,category,rx,price_cap,self_pay_bp,days_per_unit,max_days,chronic_max_days,diseases,min_age,max_age,sex\n" +
		"X01,阿莫西林胶囊,6901234567890,A,drug,1,5000,0,1,0,0,,,,\n"
	testRules = `{"per_txn_cap": 100000, "daily_count": 5}`
)

// offered waits for the handler to be offered a document.
func (h *testHandler) offeredNext(t *testing.T) wire.Signed {
	t.Helper()
	select {
	case s := <-h.got:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no signed document offered within 10s")
		return wire.Signed{}
	}
}

func TestBundlePublishedWhileConnectedIsActivated(t *testing.T) {
	tc := startCentre(t)
	h := newTestHandler(tc.pub)
	c, _ := runClient(t, tc.clientConfig(t, agenttest.Journal(t), h))
	eventually(t, "connected", func() bool { return c.Status().Connected })

	doc, err := tc.srv.Publish(context.Background(), []byte(testCatalogue), []byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.offeredNext(t); got.Kind != wire.KindBundle || got.Version != doc.Version {
		t.Fatalf("offered %s %d, want bundle %d", got.Kind, got.Version, doc.Version)
	}
	if rules, _ := h.Versions(); rules != doc.Version {
		t.Fatalf("active rules %d, want %d", rules, doc.Version)
	}
	eventually(t, "the centre to record the active version", func() bool {
		term := tc.terminal(t)
		return term.RulesVersion == doc.Version && term.RulesError == ""
	})

	if _, err := tc.srv.BlockCards(context.Background(), []string{agenttest.Cards[4]}, nil); err != nil {
		t.Fatal(err)
	}
	if got := h.offeredNext(t); got.Kind != wire.KindBlocklist || got.Version != 1 {
		t.Fatalf("offered %s %d, want blocklist 1", got.Kind, got.Version)
	}
	eventually(t, "the centre to record the blocklist version", func() bool {
		return tc.terminal(t).BlocklistVersion == 1
	})
}

func TestBundleMissedWhileOfflineArrivesOnConnect(t *testing.T) {
	tc := startCentre(t)
	if _, err := tc.srv.Publish(context.Background(), []byte(testCatalogue), []byte(testRules)); err != nil {
		t.Fatal(err)
	}
	doc, err := tc.srv.Publish(context.Background(), []byte(testCatalogue), []byte(`{"daily_count": 3}`))
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHandler(tc.pub)
	runClient(t, tc.clientConfig(t, agenttest.Journal(t), h))
	if got := h.offeredNext(t); got.Version != doc.Version {
		t.Fatalf("offered bundle %d on connect, want the latest, %d", got.Version, doc.Version)
	}
	eventually(t, "the centre to record the active version", func() bool {
		return tc.terminal(t).RulesVersion == doc.Version
	})
}

func TestRefusedBundleIsReported(t *testing.T) {
	tc := startCentre(t)
	otherPub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHandler(otherPub) // configured with another centre's key
	c, _ := runClient(t, tc.clientConfig(t, agenttest.Journal(t), h))
	eventually(t, "connected", func() bool { return c.Status().Connected })

	doc, err := tc.srv.Publish(context.Background(), []byte(testCatalogue), []byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	h.offeredNext(t)
	if rules, _ := h.Versions(); rules != 0 {
		t.Fatalf("a badly signed bundle was activated: rules %d", rules)
	}
	eventually(t, "the refusal to reach the centre", func() bool {
		return strings.Contains(tc.terminal(t).RulesError, wire.ErrBadSignature.Error())
	})
	term := tc.terminal(t)
	if term.RulesVersion != 0 || !strings.Contains(term.RulesError, "refused") {
		t.Fatalf("centre's view of the terminal: rules %d, error %q (bundle %d)", term.RulesVersion, term.RulesError, doc.Version)
	}
	if !c.Status().Connected {
		t.Fatal("a refused bundle dropped the connection")
	}
}
