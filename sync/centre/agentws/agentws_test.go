package agentws_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/agentws"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

func TestAgentCredentialsRefusedBeforeUpgrade(t *testing.T) {
	c := centretest.Start(t)
	tok1 := c.Enrol("T1", "P1")
	tok2 := c.Enrol("T2", "P1")
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
			ws, resp, err := c.Dial(tc.terminal, tc.token)
			if err == nil {
				ws.Close()
				t.Fatal("upgraded; want 401")
			}
			if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("err %v resp %v, want a 401 handshake refusal", err, resp)
			}
			var body web.ErrorBody
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Code != centre.CodeUnauthorized || body.MessageZh == "" {
				t.Fatalf("body %+v (%v), want code %s with a Chinese message", body, err, centre.CodeUnauthorized)
			}
		})
	}
	if c.Service.Agents().Connected("T1") {
		t.Fatal("a refused terminal counts as connected")
	}
}

func TestHelloWelcomePushesWhatTheAgentLacks(t *testing.T) {
	c := centretest.Start(t)
	ctx := context.Background()
	tok := c.Enrol("T1", "P1")
	if _, err := c.Centre().Publish(ctx, []byte(centretest.Catalogue), []byte(centretest.Rules)); err != nil {
		t.Fatal(err)
	}
	for _, card := range []string{"1001", "1002", "1003"} {
		if _, err := c.Centre().BlockCards(ctx, []string{card}, nil); err != nil {
			t.Fatal(err)
		}
	}
	a := c.Connect("T1", tok)
	w := a.Hello(0, 0, 1) // no bundle; has blocklist 1 of 3
	if w.AckedSeq != 0 || w.RulesVersion != 1 || w.BlocklistVersion != 3 {
		t.Fatalf("welcome %+v, want acked 0, rules 1, blocklist 3", w)
	}
	b := a.Expect(wire.TypeBundle)
	bundle, err := wire.OpenBundle(c.Pub, *b.Signed)
	if err != nil || bundle.Version != 1 {
		t.Fatalf("pushed bundle: %v (version %v)", err, bundle)
	}
	for _, want := range []int64{2, 3} {
		m := a.Expect(wire.TypeBlocklist)
		d, err := wire.OpenBlocklist(c.Pub, *m.Signed)
		if err != nil || d.Version != want {
			t.Fatalf("blocklist delta: %v, version %d, want %d", err, d.Version, want)
		}
	}
	if !c.Service.Agents().Connected("T1") {
		t.Fatal("T1 not reported connected")
	}
	// An agent that is up to date gets nothing more.
	a2 := c.Connect("T1", tok)
	a.ExpectClosed() // replaced by the newer connection
	w = a2.Hello(0, 1, 3)
	if w.RulesVersion != 1 || w.BlocklistVersion != 3 {
		t.Fatalf("welcome %+v", w)
	}
	if m, err := a2.TryRecv(300 * time.Millisecond); err == nil {
		t.Fatalf("up-to-date agent was sent %s", m.Type)
	}
}

func TestEntriesAppliedExactlyOnceUnderResentBatches(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{RecordChecksOnly: true})
	tok := c.Enrol("T1", "P1")
	c.Accounts(map[string]int64{"1001": 10000})
	ch := &centretest.Chain{Terminal: "T1"}
	at := c.Now().Add(-time.Hour)
	for i := 0; i < 5; i++ {
		ch.Charge(t, "1001", 1000, at.Add(time.Duration(i)*time.Minute))
	}
	a := c.Connect("T1", tok)
	a.Hello(5, 0, 0)

	ack := a.SendEntries(ch.Entries[:3])
	if ack.AckedSeq != 3 || len(ack.Results) != 3 || ack.Results[2].BalanceAfter != 7000 {
		t.Fatalf("first ack %+v, want acked 3 and balance 7000 after seq 3", ack)
	}
	ack = a.SendEntries(ch.Entries[:3]) // the ack was "lost": resent
	if ack.AckedSeq != 3 || c.Balance("1001") != 7000 {
		t.Fatalf("resent batch: ack %+v, balance %d; want acked 3, balance 7000", ack, c.Balance("1001"))
	}
	ack = a.SendEntries(ch.Entries[1:5]) // overlapping
	if ack.AckedSeq != 5 || c.Balance("1001") != 5000 {
		t.Fatalf("overlap: ack %+v, balance %d; want acked 5, balance 5000", ack, c.Balance("1001"))
	}

	// After a reconnect the agent starts again at 1.
	b := c.Connect("T1", tok)
	if w := b.Hello(5, 0, 0); w.AckedSeq != 5 {
		t.Fatalf("welcome after reconnect says acked %d, want 5", w.AckedSeq)
	}
	if ack := b.SendEntries(ch.Entries); ack.AckedSeq != 5 {
		t.Fatalf("ack %+v", ack)
	}
	if got := c.Balance("1001"); got != 5000 {
		t.Fatalf("balance %d, want 5000: a charge applied twice", got)
	}
	if n := len(c.Txns(store.Filter{Terminal: "T1"})); n != 5 {
		t.Fatalf("%d records stored, want 5", n)
	}
	if ack := b.SendEntries(nil); ack.AckedSeq != 5 {
		t.Fatalf("empty batch ack %+v, want acked 5", ack)
	}
}

func TestOversizedMessageClosesAndStoresNothing(t *testing.T) {
	c := centretest.Start(t)
	tok := c.Enrol("T1", "P1")
	c.Accounts(map[string]int64{"1001": 10000})
	ch := &centretest.Chain{Terminal: "T1"}
	rec := wire.Record{Terminal: "T1", Kind: wire.KindCharge, TxnID: "big", At: time.Now(), CardNo: "1001",
		Total: 100, Account: 100, Note: strings.Repeat("x", wire.MaxAgentMessage)}
	e := ch.Add(t, rec)
	a := c.Connect("T1", tok)
	a.Hello(1, 0, 0)
	a.Send(wire.Message{Type: wire.TypeEntries, Entries: []wire.Entry{e}})
	a.ExpectClosedWith(agentws.CodeTooLarge)
	if got := c.Terminal("T1").AckedSeq; got != 0 {
		t.Fatalf("acked seq %d after an oversized batch, want 0", got)
	}
	if c.Balance("1001") != 10000 || len(c.Txns(store.Filter{})) != 0 {
		t.Fatal("an oversized batch changed the store")
	}
}

func TestMalformedMessagesCloseWithAnError(t *testing.T) {
	valid := func(t *testing.T) []wire.Entry {
		ch := &centretest.Chain{Terminal: "T1"}
		ch.Charge(t, "1001", 100, time.Now())
		ch.Charge(t, "1001", 100, time.Now())
		return ch.Entries
	}
	cases := []struct {
		name  string
		hello bool
		send  func(t *testing.T, a *centretest.Agent)
		code  string
	}{
		{"not JSON", true, func(t *testing.T, a *centretest.Agent) {
			_ = a.WS.WriteMessage(websocket.TextMessage, []byte(`{"type":"entries","entries":[{`))
		}, agentws.CodeBadMessage},
		{"binary frame", true, func(t *testing.T, a *centretest.Agent) {
			_ = a.WS.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"hello"}`))
		}, agentws.CodeBadMessage},
		{"no type", true, func(t *testing.T, a *centretest.Agent) { a.Send(wire.Message{}) }, agentws.CodeBadMessage},
		{"unknown type", true, func(t *testing.T, a *centretest.Agent) { a.Send(wire.Message{Type: "gossip"}) }, agentws.CodeUnknownType},
		{"entries before hello", false, func(t *testing.T, a *centretest.Agent) {
			a.Send(wire.Message{Type: wire.TypeEntries, Entries: valid(t)})
		}, agentws.CodeProtocol},
		{"hello for another terminal", false, func(t *testing.T, a *centretest.Agent) {
			a.Send(wire.Message{Type: wire.TypeHello, Hello: &wire.Hello{Terminal: "T2"}})
		}, agentws.CodeProtocol},
		{"second hello", true, func(t *testing.T, a *centretest.Agent) {
			a.Send(wire.Message{Type: wire.TypeHello, Hello: &wire.Hello{Terminal: "T1"}})
		}, agentws.CodeProtocol},
		{"seqs descending", true, func(t *testing.T, a *centretest.Agent) {
			e := valid(t)
			a.Send(wire.Message{Type: wire.TypeEntries, Entries: []wire.Entry{e[1], e[0]}})
		}, agentws.CodeBadEntries},
		{"batch over 500", true, func(t *testing.T, a *centretest.Agent) {
			es := make([]wire.Entry, wire.MaxBatch+1)
			for i := range es {
				es[i] = wire.Entry{Seq: uint64(i + 1), Hash: "00", Body: json.RawMessage(`{}`)}
			}
			a.Send(wire.Message{Type: wire.TypeEntries, Entries: es})
		}, agentws.CodeBadEntries},
		{"another terminal's record", true, func(t *testing.T, a *centretest.Agent) {
			ch := &centretest.Chain{Terminal: "T2"}
			ch.Charge(t, "1001", 100, time.Now())
			a.Send(wire.Message{Type: wire.TypeEntries, Entries: ch.Entries})
		}, agentws.CodeApplyFailed},
		{"account_req without card", true, func(t *testing.T, a *centretest.Agent) {
			a.Send(wire.Message{Type: wire.TypeAccountReq, ID: "q1"})
		}, agentws.CodeBadMessage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := centretest.Start(t)
			tok := c.Enrol("T1", "P1")
			c.Enrol("T2", "P1")
			c.Accounts(map[string]int64{"1001": 10000})
			a := c.Connect("T1", tok)
			if tc.hello {
				a.Hello(0, 0, 0)
			}
			tc.send(t, a)
			a.ExpectClosedWith(tc.code)
			if c.Balance("1001") != 10000 || len(c.Txns(store.Filter{})) != 0 || c.Terminal("T1").AckedSeq != 0 {
				t.Fatal("a refused message changed the store")
			}
			centretest.Eventually(t, "the connection to be forgotten", func() bool { return !c.Service.Agents().Connected("T1") })
		})
	}
}

func TestAccountAnswerCarriesOtherTerminalsHistoryOnly(t *testing.T) {
	c := centretest.StartWithOptions(t, centretest.Options{RecordChecksOnly: true})
	tok1 := c.Enrol("T1", "P1")
	tok2 := c.Enrol("T2", "P2")
	c.Accounts(map[string]int64{"1001": 50000})
	now := c.Now()
	ch1, ch2 := &centretest.Chain{Terminal: "T1"}, &centretest.Chain{Terminal: "T2"}
	ch1.Charge(t, "1001", 1200, now.Add(-48*time.Hour))
	ch1.Charge(t, "1001", 1300, now.Add(-200*24*time.Hour)) // outside the 90-day window, and held: BACKDATED
	ch2.Charge(t, "1001", 900, now.Add(-time.Hour))

	a1 := c.Connect("T1", tok1)
	a1.Hello(2, 0, 0)
	a1.SendEntries(ch1.Entries)
	a2 := c.Connect("T2", tok2)
	a2.Hello(1, 0, 0)
	a2.SendEntries(ch2.Entries)

	a2.Send(wire.Message{Type: wire.TypeAccountReq, ID: "q7", CardNo: "1001"})
	m := a2.Expect(wire.TypeAccount)
	if m.ID != "q7" || m.Account == nil || !m.Account.Found {
		t.Fatalf("answer %+v, want id q7 and the account found", m)
	}
	if got := m.Account.Holder.Balance; got != 50000-1200-900 {
		t.Fatalf("balance %d, want %d (the charge dated 200 days back is held)", got, 50000-1200-900)
	}
	h := m.Account.History
	if len(h) != 1 || h[0].Terminal != "T1" || h[0].Pharmacy != "P1" || h[0].Account != 1200 {
		t.Fatalf("history %+v, want only T1's charge of 1200 in the window", h)
	}

	a2.Send(wire.Message{Type: wire.TypeAccountReq, ID: "q8", CardNo: "9999"})
	if m := a2.Expect(wire.TypeAccount); m.ID != "q8" || m.Account.Found || m.Account.Holder.CardNo != "9999" {
		t.Fatalf("unknown card answer %+v, want found=false", m.Account)
	}
}

func TestPublishReachesConnectedAgentAndStatusIsRecorded(t *testing.T) {
	c := centretest.Start(t)
	ctx := context.Background()
	tok := c.Enrol("T1", "P1")
	c.Accounts(map[string]int64{"1001": 100})
	a := c.Connect("T1", tok)
	a.Hello(0, 0, 0)

	if _, err := c.Centre().Publish(ctx, []byte(centretest.Catalogue), []byte(centretest.Rules)); err != nil {
		t.Fatal(err)
	}
	m := a.Expect(wire.TypeBundle)
	if b, err := wire.OpenBundle(c.Pub, *m.Signed); err != nil || b.Version != 1 || b.Catalogue.Len() != 2 {
		t.Fatalf("pushed bundle %v: %v", b, err)
	}
	a.Send(wire.Message{Type: wire.TypeBundleStatus, BundleStatus: &wire.BundleStatus{Kind: wire.KindBundle, Offered: 1, Active: 1}})
	centretest.Eventually(t, "rules version 1 recorded", func() bool { return c.Terminal("T1").RulesVersion == 1 })

	if _, err := c.Centre().BlockCards(ctx, []string{"1001"}, nil); err != nil {
		t.Fatal(err)
	}
	m = a.Expect(wire.TypeBlocklist)
	d, err := wire.OpenBlocklist(c.Pub, *m.Signed)
	if err != nil || d.Version != 1 || len(d.Add) != 1 || d.Add[0] != "1001" {
		t.Fatalf("pushed delta %+v: %v", d, err)
	}
	if h, _ := c.Store().Account(ctx, "1001"); !h.Blocked || h.Balance != 100 {
		t.Fatalf("account after block %+v, want blocked with balance kept", h)
	}
	a.Send(wire.Message{Type: wire.TypeBundleStatus, BundleStatus: &wire.BundleStatus{
		Kind: wire.KindBlocklist, Offered: 1, Active: 0, Error: "bad signature"}})
	centretest.Eventually(t, "the refusal recorded", func() bool {
		term := c.Terminal("T1")
		return strings.Contains(term.RulesError, "blocklist 1 refused") && term.RulesVersion == 1
	})
}

func TestStoreFailureEndsTheConnectionAndNothingIsAcked(t *testing.T) {
	c := centretest.Start(t)
	tok := c.Enrol("T1", "P1")
	c.Accounts(map[string]int64{"1001": 1000})
	ch := &centretest.Chain{Terminal: "T1"}
	ch.Charge(t, "1001", 100, time.Now())
	a := c.Connect("T1", tok)
	a.Hello(1, 0, 0)
	// The writer pushes after the welcome and before the next answer:
	// once this answer is here, only the batch will touch the store.
	a.Send(wire.Message{Type: wire.TypeAccountReq, ID: "sync", CardNo: "1001"})
	a.Expect(wire.TypeAccount)
	if err := c.Store().Close(); err != nil { // the disk goes away under the centre
		t.Fatal(err)
	}
	a.Send(wire.Message{Type: wire.TypeEntries, Entries: ch.Entries})
	a.ExpectClosedWith(agentws.CodeStore) // the agent retries; the details stay in the centre's log
}

func TestStoreFailureWhilePushingEndsTheConnectionWithAnError(t *testing.T) {
	c := centretest.Start(t)
	tok := c.Enrol("T1", "P1")
	a := c.Connect("T1", tok)
	a.Hello(0, 0, 0)
	a.Send(wire.Message{Type: wire.TypeAccountReq, ID: "sync", CardNo: "1001"})
	a.Expect(wire.TypeAccount) // the push after the welcome is done
	if err := c.Store().Close(); err != nil {
		t.Fatal(err)
	}
	c.Service.Agents().SignedStored() // as a publish does
	a.ExpectClosedWith(agentws.CodeStore)
}

func TestServerCloseEndsAgentConnections(t *testing.T) {
	c := centretest.Start(t)
	tok1, tok2 := c.Enrol("T1", "P1"), c.Enrol("T2", "P1")
	a1, a2 := c.Connect("T1", tok1), c.Connect("T2", tok2)
	a1.Hello(0, 0, 0)
	done := make(chan error, 1)
	go func() { done <- c.Service.Agents().Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return: a connection goroutine is stuck")
	}
	a1.ExpectClosed()
	a2.ExpectClosed()
	if c.Service.Agents().Connected("T1") || c.Service.Agents().Connected("T2") {
		t.Fatal("terminals still connected after Close")
	}
	if _, resp, err := c.Dial("T1", tok1); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after Close: %v, want 503", err)
	}
}

func TestCloseRightAfterUpgradeDoesNotWaitForTheReadTimeout(t *testing.T) {
	for i := 0; i < 20; i++ {
		c := centretest.Start(t)
		tok := c.Enrol("T1", "P1")
		ws, _, err := c.Dial("T1", tok) // left open by the "agent"
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { c.Service.Agents().Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Close waited for an agent that just connected")
		}
		ws.Close()
	}
}
