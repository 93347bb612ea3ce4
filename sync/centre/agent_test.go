package centre

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

func TestAgentCredentialsRefusedBeforeUpgrade(t *testing.T) {
	c := newTestCentre(t)
	tok1 := c.enrol("T1", "P1")
	tok2 := c.enrol("T2", "P1")
	cases := []struct {
		name, terminal, token string
	}{
		{"no token", "T1", ""},
		{"no terminal header", "", tok1},
		{"wrong token", "T1", tok1 + "x"},
		{"another terminal's token", "T1", tok2},
		{"unknown terminal", "T9", tok1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws, resp, err := c.dial(tc.terminal, tc.token)
			if err == nil {
				ws.Close()
				t.Fatal("upgraded; want 401")
			}
			if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("err %v resp %v, want a 401 handshake refusal", err, resp)
			}
			var body APIError
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Code != codeUnauthorized || body.MessageZh == "" {
				t.Fatalf("body %+v (%v), want code %s with a Chinese message", body, err, codeUnauthorized)
			}
		})
	}
	if c.srv.Connected("T1") {
		t.Fatal("a refused terminal counts as connected")
	}
}

func TestHelloWelcomePushesWhatTheAgentLacks(t *testing.T) {
	c := newTestCentre(t)
	ctx := context.Background()
	tok := c.enrol("T1", "P1")
	if _, err := c.srv.Publish(ctx, []byte(testCatalogue), []byte(testRules)); err != nil {
		t.Fatal(err)
	}
	for _, card := range []string{"1001", "1002", "1003"} {
		if _, err := c.srv.BlockCards(ctx, []string{card}, nil); err != nil {
			t.Fatal(err)
		}
	}
	a := c.connect("T1", tok)
	w := a.hello(0, 0, 1) // no bundle; has blocklist 1 of 3
	if w.AckedSeq != 0 || w.RulesVersion != 1 || w.BlocklistVersion != 3 {
		t.Fatalf("welcome %+v, want acked 0, rules 1, blocklist 3", w)
	}
	b := a.expect(wire.TypeBundle)
	bundle, err := wire.OpenBundle(c.pub, *b.Signed)
	if err != nil || bundle.Version != 1 {
		t.Fatalf("pushed bundle: %v (version %v)", err, bundle)
	}
	for _, want := range []int64{2, 3} {
		m := a.expect(wire.TypeBlocklist)
		d, err := wire.OpenBlocklist(c.pub, *m.Signed)
		if err != nil || d.Version != want {
			t.Fatalf("blocklist delta: %v, version %d, want %d", err, d.Version, want)
		}
	}
	if !c.srv.Connected("T1") {
		t.Fatal("T1 not reported connected")
	}
	// An agent that is up to date gets nothing more.
	a2 := c.connect("T1", tok)
	a.expectClosed() // replaced by the newer connection
	w = a2.hello(0, 1, 3)
	if w.RulesVersion != 1 || w.BlocklistVersion != 3 {
		t.Fatalf("welcome %+v", w)
	}
	if m, err := a2.tryRecv(300 * time.Millisecond); err == nil {
		t.Fatalf("up-to-date agent was sent %s", m.Type)
	}
}

func TestEntriesAppliedExactlyOnceUnderResentBatches(t *testing.T) {
	c := newTestCentre(t)
	tok := c.enrol("T1", "P1")
	c.accounts(map[string]int64{"1001": 10000})
	ch := &chain{terminal: "T1"}
	at := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		ch.charge(t, "1001", 1000, at.Add(time.Duration(i)*time.Minute))
	}
	a := c.connect("T1", tok)
	a.hello(5, 0, 0)

	ack := a.sendEntries(ch.entries[:3])
	if ack.AckedSeq != 3 || len(ack.Results) != 3 || ack.Results[2].BalanceAfter != 7000 {
		t.Fatalf("first ack %+v, want acked 3 and balance 7000 after seq 3", ack)
	}
	ack = a.sendEntries(ch.entries[:3]) // the ack was "lost": resent
	if ack.AckedSeq != 3 || c.balance("1001") != 7000 {
		t.Fatalf("resent batch: ack %+v, balance %d; want acked 3, balance 7000", ack, c.balance("1001"))
	}
	ack = a.sendEntries(ch.entries[1:5]) // overlapping
	if ack.AckedSeq != 5 || c.balance("1001") != 5000 {
		t.Fatalf("overlap: ack %+v, balance %d; want acked 5, balance 5000", ack, c.balance("1001"))
	}

	// After a reconnect the agent starts again at 1.
	b := c.connect("T1", tok)
	if w := b.hello(5, 0, 0); w.AckedSeq != 5 {
		t.Fatalf("welcome after reconnect says acked %d, want 5", w.AckedSeq)
	}
	if ack := b.sendEntries(ch.entries); ack.AckedSeq != 5 {
		t.Fatalf("ack %+v", ack)
	}
	if got := c.balance("1001"); got != 5000 {
		t.Fatalf("balance %d, want 5000: a charge applied twice", got)
	}
	if n := len(c.txns(store.Filter{Terminal: "T1"})); n != 5 {
		t.Fatalf("%d records stored, want 5", n)
	}
	if ack := b.sendEntries(nil); ack.AckedSeq != 5 {
		t.Fatalf("empty batch ack %+v, want acked 5", ack)
	}
}

func TestOversizedMessageClosesAndStoresNothing(t *testing.T) {
	c := newTestCentre(t)
	tok := c.enrol("T1", "P1")
	c.accounts(map[string]int64{"1001": 10000})
	ch := &chain{terminal: "T1"}
	rec := wire.Record{Terminal: "T1", Kind: wire.KindCharge, TxnID: "big", At: time.Now(), CardNo: "1001",
		Total: 100, Account: 100, Note: strings.Repeat("x", wire.MaxAgentMessage)}
	e := ch.add(t, rec)
	a := c.connect("T1", tok)
	a.hello(1, 0, 0)
	a.send(wire.Message{Type: wire.TypeEntries, Entries: []wire.Entry{e}})
	a.expectClosedWith(CodeTooLarge)
	if got := c.terminal("T1").AckedSeq; got != 0 {
		t.Fatalf("acked seq %d after an oversized batch, want 0", got)
	}
	if c.balance("1001") != 10000 || len(c.txns(store.Filter{})) != 0 {
		t.Fatal("an oversized batch changed the store")
	}
}

func TestMalformedMessagesCloseWithAnError(t *testing.T) {
	valid := func(t *testing.T) []wire.Entry {
		ch := &chain{terminal: "T1"}
		ch.charge(t, "1001", 100, time.Now())
		ch.charge(t, "1001", 100, time.Now())
		return ch.entries
	}
	cases := []struct {
		name  string
		hello bool
		send  func(t *testing.T, a *testAgent)
		code  string
	}{
		{"not JSON", true, func(t *testing.T, a *testAgent) {
			_ = a.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"entries","entries":[{`))
		}, CodeBadMessage},
		{"binary frame", true, func(t *testing.T, a *testAgent) {
			_ = a.ws.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"hello"}`))
		}, CodeBadMessage},
		{"no type", true, func(t *testing.T, a *testAgent) { a.send(wire.Message{}) }, CodeBadMessage},
		{"unknown type", true, func(t *testing.T, a *testAgent) { a.send(wire.Message{Type: "gossip"}) }, CodeUnknownType},
		{"entries before hello", false, func(t *testing.T, a *testAgent) {
			a.send(wire.Message{Type: wire.TypeEntries, Entries: valid(t)})
		}, CodeProtocol},
		{"hello for another terminal", false, func(t *testing.T, a *testAgent) {
			a.send(wire.Message{Type: wire.TypeHello, Hello: &wire.Hello{Terminal: "T2"}})
		}, CodeProtocol},
		{"second hello", true, func(t *testing.T, a *testAgent) {
			a.send(wire.Message{Type: wire.TypeHello, Hello: &wire.Hello{Terminal: "T1"}})
		}, CodeProtocol},
		{"seqs descending", true, func(t *testing.T, a *testAgent) {
			e := valid(t)
			a.send(wire.Message{Type: wire.TypeEntries, Entries: []wire.Entry{e[1], e[0]}})
		}, CodeBadEntries},
		{"batch over 500", true, func(t *testing.T, a *testAgent) {
			es := make([]wire.Entry, wire.MaxBatch+1)
			for i := range es {
				es[i] = wire.Entry{Seq: uint64(i + 1), Hash: "00", Body: json.RawMessage(`{}`)}
			}
			a.send(wire.Message{Type: wire.TypeEntries, Entries: es})
		}, CodeBadEntries},
		{"another terminal's record", true, func(t *testing.T, a *testAgent) {
			ch := &chain{terminal: "T2"}
			ch.charge(t, "1001", 100, time.Now())
			a.send(wire.Message{Type: wire.TypeEntries, Entries: ch.entries})
		}, CodeApplyFailed},
		{"account_req without card", true, func(t *testing.T, a *testAgent) {
			a.send(wire.Message{Type: wire.TypeAccountReq, ID: "q1"})
		}, CodeBadMessage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCentre(t)
			tok := c.enrol("T1", "P1")
			c.enrol("T2", "P1")
			c.accounts(map[string]int64{"1001": 10000})
			a := c.connect("T1", tok)
			if tc.hello {
				a.hello(0, 0, 0)
			}
			tc.send(t, a)
			a.expectClosedWith(tc.code)
			if c.balance("1001") != 10000 || len(c.txns(store.Filter{})) != 0 || c.terminal("T1").AckedSeq != 0 {
				t.Fatal("a refused message changed the store")
			}
			eventually(t, "the connection to be forgotten", func() bool { return !c.srv.Connected("T1") })
		})
	}
}

func TestAccountAnswerCarriesOtherTerminalsHistoryOnly(t *testing.T) {
	c := newTestCentre(t)
	tok1 := c.enrol("T1", "P1")
	tok2 := c.enrol("T2", "P2")
	c.accounts(map[string]int64{"1001": 50000})
	now := time.Now()
	ch1, ch2 := &chain{terminal: "T1"}, &chain{terminal: "T2"}
	ch1.charge(t, "1001", 1200, now.Add(-48*time.Hour))
	ch1.charge(t, "1001", 1300, now.Add(-200*24*time.Hour)) // outside the 90-day window
	ch2.charge(t, "1001", 900, now.Add(-time.Hour))

	a1 := c.connect("T1", tok1)
	a1.hello(2, 0, 0)
	a1.sendEntries(ch1.entries)
	a2 := c.connect("T2", tok2)
	a2.hello(1, 0, 0)
	a2.sendEntries(ch2.entries)

	a2.send(wire.Message{Type: wire.TypeAccountReq, ID: "q7", CardNo: "1001"})
	m := a2.expect(wire.TypeAccount)
	if m.ID != "q7" || m.Account == nil || !m.Account.Found {
		t.Fatalf("answer %+v, want id q7 and the account found", m)
	}
	if got := m.Account.Holder.Balance; got != 50000-1200-1300-900 {
		t.Fatalf("balance %d, want %d", got, 50000-1200-1300-900)
	}
	h := m.Account.History
	if len(h) != 1 || h[0].Terminal != "T1" || h[0].Pharmacy != "P1" || h[0].Account != 1200 {
		t.Fatalf("history %+v, want only T1's charge of 1200 in the window", h)
	}

	a2.send(wire.Message{Type: wire.TypeAccountReq, ID: "q8", CardNo: "9999"})
	if m := a2.expect(wire.TypeAccount); m.ID != "q8" || m.Account.Found || m.Account.Holder.CardNo != "9999" {
		t.Fatalf("unknown card answer %+v, want found=false", m.Account)
	}
}

func TestPublishReachesConnectedAgentAndStatusIsRecorded(t *testing.T) {
	c := newTestCentre(t)
	ctx := context.Background()
	tok := c.enrol("T1", "P1")
	c.accounts(map[string]int64{"1001": 100})
	a := c.connect("T1", tok)
	a.hello(0, 0, 0)

	if _, err := c.srv.Publish(ctx, []byte(testCatalogue), []byte(testRules)); err != nil {
		t.Fatal(err)
	}
	m := a.expect(wire.TypeBundle)
	if b, err := wire.OpenBundle(c.pub, *m.Signed); err != nil || b.Version != 1 || b.Catalogue.Len() != 2 {
		t.Fatalf("pushed bundle %v: %v", b, err)
	}
	a.send(wire.Message{Type: wire.TypeBundleStatus, BundleStatus: &wire.BundleStatus{Kind: wire.KindBundle, Offered: 1, Active: 1}})
	eventually(t, "rules version 1 recorded", func() bool { return c.terminal("T1").RulesVersion == 1 })

	if _, err := c.srv.BlockCards(ctx, []string{"1001"}, nil); err != nil {
		t.Fatal(err)
	}
	m = a.expect(wire.TypeBlocklist)
	d, err := wire.OpenBlocklist(c.pub, *m.Signed)
	if err != nil || d.Version != 1 || len(d.Add) != 1 || d.Add[0] != "1001" {
		t.Fatalf("pushed delta %+v: %v", d, err)
	}
	if h, _ := c.st.Account(ctx, "1001"); !h.Blocked || h.Balance != 100 {
		t.Fatalf("account after block %+v, want blocked with balance kept", h)
	}
	a.send(wire.Message{Type: wire.TypeBundleStatus, BundleStatus: &wire.BundleStatus{
		Kind: wire.KindBlocklist, Offered: 1, Active: 0, Error: "bad signature"}})
	eventually(t, "the refusal recorded", func() bool {
		term := c.terminal("T1")
		return strings.Contains(term.RulesError, "blocklist 1 refused") && term.RulesVersion == 1
	})
}

func TestPublishRefusesBadFilesAndSignsNothing(t *testing.T) {
	c := newTestCentre(t)
	ctx := context.Background()
	badCatalogue := strings.Replace(testCatalogue, "2500", "25x0", 1)
	cases := []struct {
		name, catalogue, rules string
		want                   string
	}{
		{"bad price", badCatalogue, testRules, "price_cap"},
		{"missing column", "code,name\nX1,a\n", testRules, "catalogue"},
		{"unknown rule key", testCatalogue, `{"daily_cuont": 3}`, "daily_cuont"},
		{"rules not JSON", testCatalogue, `{daily_count: 3`, "rules"},
		{"catalogue not UTF-8", testCatalogue + "X003,\xff\xfe,,A,drug,0,0,0,0,0,0,,,,\n", testRules, "UTF-8"},
	}
	for _, tc := range cases {
		_, err := c.srv.Publish(ctx, []byte(tc.catalogue), []byte(tc.rules))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want ErrInvalid mentioning %q", tc.name, err, tc.want)
		}
	}
	if _, err := c.st.LatestSigned(ctx, wire.KindBundle); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused publish stored a bundle (err %v)", err)
	}
	if _, err := Publish(ctx, c.st, nil, []byte(testCatalogue), []byte(testRules), time.Now()); !errors.Is(err, ErrNoSigningKey) {
		t.Fatalf("publish without a key: %v, want ErrNoSigningKey", err)
	}
	doc, err := c.srv.Publish(ctx, []byte(testCatalogue), []byte(testRules))
	if err != nil || doc.Version != 1 {
		t.Fatalf("good files: version %d, %v", doc.Version, err)
	}
	if doc, err = c.srv.Publish(ctx, []byte(testCatalogue), []byte(testRules)); err != nil || doc.Version != 2 {
		t.Fatalf("second publish: version %d, %v; want 2", doc.Version, err)
	}
}

func TestStoreFailureEndsTheConnectionAndNothingIsAcked(t *testing.T) {
	c := newTestCentre(t)
	tok := c.enrol("T1", "P1")
	c.accounts(map[string]int64{"1001": 1000})
	ch := &chain{terminal: "T1"}
	ch.charge(t, "1001", 100, time.Now())
	a := c.connect("T1", tok)
	a.hello(1, 0, 0)
	// The writer pushes after the welcome and before the next answer:
	// once this answer is here, only the batch will touch the store.
	a.send(wire.Message{Type: wire.TypeAccountReq, ID: "sync", CardNo: "1001"})
	a.expect(wire.TypeAccount)
	if err := c.st.Close(); err != nil { // the disk goes away under the centre
		t.Fatal(err)
	}
	a.send(wire.Message{Type: wire.TypeEntries, Entries: ch.entries})
	a.expectClosedWith(CodeStore) // the agent retries; the details stay in the centre's log
}

func TestStoreFailureWhilePushingEndsTheConnectionWithAnError(t *testing.T) {
	c := newTestCentre(t)
	tok := c.enrol("T1", "P1")
	a := c.connect("T1", tok)
	a.hello(0, 0, 0)
	a.send(wire.Message{Type: wire.TypeAccountReq, ID: "sync", CardNo: "1001"})
	a.expect(wire.TypeAccount) // the push after the welcome is done
	if err := c.st.Close(); err != nil {
		t.Fatal(err)
	}
	c.srv.hub.kickAll() // as a publish does
	a.expectClosedWith(CodeStore)
}

func TestServerCloseEndsAgentConnections(t *testing.T) {
	c := newTestCentre(t)
	tok1, tok2 := c.enrol("T1", "P1"), c.enrol("T2", "P1")
	a1, a2 := c.connect("T1", tok1), c.connect("T2", tok2)
	a1.hello(0, 0, 0)
	done := make(chan error, 1)
	go func() { done <- c.srv.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return: a connection goroutine is stuck")
	}
	a1.expectClosed()
	a2.expectClosed()
	if c.srv.Connected("T1") || c.srv.Connected("T2") {
		t.Fatal("terminals still connected after Close")
	}
	if _, resp, err := c.dial("T1", tok1); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after Close: %v, want 503", err)
	}
}

func TestCloseRightAfterUpgradeDoesNotWaitForTheReadTimeout(t *testing.T) {
	for i := 0; i < 20; i++ {
		c := newTestCentre(t)
		tok := c.enrol("T1", "P1")
		ws, _, err := c.dial("T1", tok) // left open by the "agent"
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { c.srv.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Close waited for an agent that just connected")
		}
		ws.Close()
	}
}
