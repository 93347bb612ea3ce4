package scenario

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/api"
	"posagent/agent/daemon"
	"posagent/internal/demo"
	"posagent/policy"
	"posagent/sync/centre/datadir"
	"posagent/sync/wire"
)

// TestBundlesAreRefusedOrActivatedWhole walks the life of rule bundles at
// one terminal. Three bad bundles arrive through real connections — one
// signed with another key and stored at the centre as its next version,
// one cut short on the way, one older than the active bundle replayed on
// the way — and each is refused: the active version stays, the reason is
// in the agent's status and in the centre's terminal list. A good bundle
// that lowers a price cap activates while quotes run concurrently, and
// every quote is priced wholly by the old bundle or wholly by the new.
func TestBundlesAreRefusedOrActivatedWhole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startWorld(t, demo.Options{})
	mitm := newRelay(t, "ws://"+e.Centre.Addr())
	restartAgent(t, e, func(cfg *daemon.Config) { cfg.Centre = mitm.URL() })
	waitConnected(t, e, true)
	swipe(t, e, "zhang-san")
	// The account look-up runs in the background after a swipe; a quote
	// waits for it, so the centre is not restarted under it (the card
	// would then be unknown for the rest of the session).
	if q := quote(t, e, vitaminC(2)); q.RulesVersion != 1 || len(q.Reasons) != 0 || q.AccountTotal != 1000 {
		t.Fatalf("first quote: rules v%d, account %d, reasons %v; want v1, 1000, none", q.RulesVersion, q.AccountTotal, codes(q.Reasons))
	}
	catalogue, rules := sampleFile(t, "catalogue.csv"), sampleFile(t, "rules.json")

	// 1. Forged: the centre's store holds version 2 signed by another key
	// (as if its database, not its key, were compromised); the restarted
	// centre pushes it as its latest.
	_, forger, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Centre.Store().PutSigned(ctx, signBundle(t, forger, 2, catalogue, rules)); err != nil {
		t.Fatal(err)
	}
	restartCentre(t, e)
	expectRefused(t, e, 2, 1, wire.ErrBadSignature.Error())

	// 2. Truncated: version 3 signed with the centre's own key, its payload
	// cut in half on the way.
	key, err := datadir.LoadSigningKey(e.CentreDir)
	if err != nil || key == nil {
		t.Fatalf("centre signing key: %v", err)
	}
	cut := signBundle(t, key, 3, catalogue, rules)
	cut.Payload = cut.Payload[:len(cut.Payload)/2]
	waitConnected(t, e, true)
	if err := mitm.inject(wire.Message{Type: wire.TypeBundle, Signed: &cut}); err != nil {
		t.Fatal(err)
	}
	expectRefused(t, e, 3, 1, wire.ErrBadSignature.Error())

	// 3. A good version 3 lowers vitamin C's price cap from 500 to 300 fen
	// while four POS clients quote.
	lower := bytes.Replace(catalogue, []byte("6901234500288,A,drug,0,500,"), []byte("6901234500288,A,drug,0,300,"), 1)
	if bytes.Equal(lower, catalogue) {
		t.Fatal("vitamin C's row in testdata/catalogue.csv changed; update this test")
	}
	publishUnderQuotes(t, e, lower, rules)
	st := status(t, e)
	if st.Rules.Version != 3 || st.Rules.LastError != "" {
		t.Fatalf("after the good bundle: rules v%d, last_error %q; want v3 and no error", st.Rules.Version, st.Rules.LastError)
	}
	eventually(t, "the centre sees version 3 and no error", func() (bool, string) {
		ts := centreTerminal(t, e, e.AgentCfg.Terminal)
		return ts.RulesVersion == 3 && ts.RulesError == "", fmt.Sprintf("%+v", ts)
	})

	// 4. Older: the genuine version 1, replayed on the way.
	old, err := e.Centre.Store().SignedSince(ctx, wire.KindBundle, 0)
	if err != nil || len(old) == 0 || old[0].Version != 1 {
		t.Fatalf("stored bundles: %d (%v)", len(old), err)
	}
	if err := mitm.inject(wire.Message{Type: wire.TypeBundle, Signed: &old[0]}); err != nil {
		t.Fatal(err)
	}
	expectRefused(t, e, 1, 3, "not newer than active bundle 3")
	if q := quote(t, e, vitaminC(2)); q.RulesVersion != 3 || q.Lines[0].Account != 600 {
		t.Fatalf("after the replay: quote on rules v%d, account %d; want v3, 600", q.RulesVersion, q.Lines[0].Account)
	}

	// What was refused was never stored: a restarted agent runs version 3.
	restartAgent(t, e, nil)
	if st := status(t, e); st.Rules.Version != 3 {
		t.Fatalf("after a restart the agent runs rules v%d, want 3", st.Rules.Version)
	}
}

// signBundle signs a bundle of the files as version v with key, issued now.
func signBundle(t *testing.T, key ed25519.PrivateKey, v int64, catalogue, rules []byte) wire.Signed {
	t.Helper()
	return signBundleAt(t, key, v, time.Now(), catalogue, rules)
}

// signBundleAt signs a bundle of the files as version v with key, issued at.
func signBundleAt(t *testing.T, key ed25519.PrivateKey, v int64, at time.Time, catalogue, rules []byte) wire.Signed {
	t.Helper()
	at = at.UTC().Truncate(time.Second)
	s, err := wire.Sign(key, wire.KindBundle, v, at, wire.BundleContent{
		Kind: wire.KindBundle, Version: v, IssuedAt: at, Catalogue: string(catalogue), Rules: json.RawMessage(rules),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// expectRefused waits until the agent reports bundle offered as refused
// for a reason containing why, and checks that it still runs active and
// that the centre shows the refusal.
func expectRefused(t *testing.T, e *demo.Env, offered, active int64, why string) {
	t.Helper()
	prefix := fmt.Sprintf("bundle %d refused", offered)
	eventually(t, "the agent reports "+prefix, func() (bool, string) {
		st, err := e.POS.Status(context.Background())
		return err == nil && strings.HasPrefix(st.Rules.LastError, prefix), describe(st, err)
	})
	st := status(t, e)
	if st.Rules.Version != active || !strings.Contains(st.Rules.LastError, why) {
		t.Fatalf("agent: rules v%d, last_error %q; want v%d still active and %q", st.Rules.Version, st.Rules.LastError, active, why)
	}
	eventually(t, "the centre shows "+prefix, func() (bool, string) {
		ts := centreTerminal(t, e, e.AgentCfg.Terminal)
		return strings.Contains(ts.RulesError, prefix) && strings.Contains(ts.RulesError, why) && ts.RulesVersion == active,
			fmt.Sprintf("rules v%d, rules_error %q", ts.RulesVersion, ts.RulesError)
	})
}

// publishUnderQuotes publishes the next bundle while four POS clients
// quote two boxes of vitamin C (1000 fen) for the card in the reader, and
// checks every quote: version 1 pays 1000 fen from the account; the new
// version (cap 300) pays 600 and sends 400 to cash with PRICE_ABOVE_CAP;
// no client sees the old version after the new one.
func publishUnderQuotes(t *testing.T, e *demo.Env, catalogue, rules []byte) {
	t.Helper()
	// The clients get their own connections, closed at the end: a
	// connection dialled for a request cancelled meanwhile would otherwise
	// sit unused in a shared pool and hold up the agent's shutdown.
	tr := &http.Transport{}
	pos := &api.Client{Base: e.POS.Base, Token: e.POS.Token, HTTP: &http.Client{Transport: tr, Timeout: patience}}
	ctx, stop := context.WithCancel(context.Background())
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		seen    = map[int64]int{}
		failure []string
	)
	defer func() { stop(); wg.Wait(); tr.CloseIdleConnections() }()
	fail := func(format string, args ...any) {
		mu.Lock()
		failure = append(failure, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last int64
			for ctx.Err() == nil {
				q, err := pos.Quote(ctx, agent.QuoteRequest{Cashier: fmt.Sprint("C0", w), Lines: []policy.Line{vitaminC(2)}})
				if err != nil {
					if ctx.Err() == nil {
						fail("client %d: quote: %v", w, err)
					}
					return
				}
				if msg := checkPricing(q); msg != "" {
					fail("client %d: %s", w, msg)
				}
				if q.RulesVersion < last {
					fail("client %d: quote on rules v%d after one on v%d", w, q.RulesVersion, last)
				}
				last = q.RulesVersion
				mu.Lock()
				seen[q.RulesVersion]++
				mu.Unlock()
			}
		}()
	}
	count := func(v int64) int {
		mu.Lock()
		defer mu.Unlock()
		return seen[v]
	}
	eventually(t, "quotes on version 1", func() (bool, string) { return count(1) >= 8, fmt.Sprint(count(1)) })
	doc, err := e.Centre.Centre().Publish(context.Background(), catalogue, rules)
	if err != nil || doc.Version != 3 {
		t.Fatalf("publish: version %d, %v; want version 3", doc.Version, err)
	}
	eventually(t, "quotes on version 3", func() (bool, string) { return count(3) >= 8, fmt.Sprint(count(3)) })
	stop()
	wg.Wait()
	for _, f := range failure {
		t.Error(f)
	}
	t.Logf("quotes by rules version: %v", seen)
	if len(seen) != 2 {
		t.Fatalf("quotes by rules version %v, want only versions 1 and 3", seen)
	}
}

// checkPricing says what is wrong with a quote of two boxes of vitamin C
// at 500 fen, given the version it was made on ("" when nothing is).
func checkPricing(q agent.Quote) string {
	if len(q.Lines) != 1 {
		return fmt.Sprintf("%d lines", len(q.Lines))
	}
	l := q.Lines[0]
	_, capped := reason(l.Reasons, policy.PriceAboveCap)
	var ok bool
	switch q.RulesVersion {
	case 1:
		ok = l.Account == 1000 && l.Cash == 0 && !capped && len(l.Reasons) == 0
	case 3:
		ok = l.Account == 600 && l.Cash == 400 && capped && len(l.Reasons) == 1
	}
	if !ok || q.AccountTotal != l.Account || q.CashTotal != l.Cash || len(q.Reasons) != 0 {
		return fmt.Sprintf("rules v%d priced account %d, cash %d, reasons %v %v", q.RulesVersion, l.Account, l.Cash, codes(l.Reasons), codes(q.Reasons))
	}
	return ""
}
