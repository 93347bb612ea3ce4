package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/agent/api"
	"posagent/internal/demo"
	"posagent/policy"
	"posagent/reader"
	"posagent/sync/centre/store"
)

// world starts a centre with the sample data, one enrolled terminal and its
// agent reading a pseudo-terminal through the serial driver. The agent's
// clock starts at 10:00 Shanghai time so business hours hold.
func world(t *testing.T) (*demo.Env, context.Context) {
	t.Helper()
	return worldWith(t, nil)
}

// worldWith is world with a hook to adjust the options (e.g. the clock).
func worldWith(t *testing.T, adjust func(*demo.Options)) (*demo.Env, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	opts := demo.Options{Dir: t.TempDir(), Clock: demo.ClockAt(agenttest.Shanghai, 10), Logger: agenttest.Quiet()}
	if adjust != nil {
		adjust(&opts)
	}
	env, err := demo.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if err := env.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return env, ctx
}

func swipe(t *testing.T, ctx context.Context, term *demo.Terminal, env *demo.Env, name string) reader.CardFile {
	t.Helper()
	card, err := env.Card(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := term.Swipe(ctx, card); err != nil {
		t.Fatal(err)
	}
	return card
}

func balance(t *testing.T, ctx context.Context, env *demo.Env, cardNo string) int64 {
	t.Helper()
	h, err := env.Centre.Store().Account(ctx, cardNo)
	if err != nil {
		t.Fatal(err)
	}
	return h.Balance
}

// charge quotes lines, confirms what is required and charges.
func charge(t *testing.T, ctx context.Context, pos *api.Client, key string, lines ...policy.Line) (agent.Quote, agent.Charge) {
	t.Helper()
	q, err := pos.Quote(ctx, agent.QuoteRequest{Cashier: "C07", Lines: lines})
	if err != nil {
		t.Fatalf("quote: %v", err)
	}
	ch, err := pos.Charge(ctx, agent.ChargeRequest{QuoteID: q.QuoteID, IdempotencyKey: key, Confirm: q.Required})
	if err != nil {
		t.Fatalf("charge: %v", err)
	}
	return q, ch
}

func reasonOf(rs []policy.Reason, c policy.Code) (policy.Reason, bool) {
	for _, r := range rs {
		if r.Code == c {
			return r, true
		}
	}
	return policy.Reason{}, false
}

// supervisor lists transactions through the centre's supervisor API.
func supervisor(t *testing.T, ctx context.Context, env *demo.Env, query string) []store.Txn {
	t.Helper()
	txns, err := env.Transactions(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	return txns
}

func TestSwipeQuoteChargeSettlesAtCentreAndOfflineChargesArriveOnce(t *testing.T) {
	env, ctx := world(t)
	before := balance(t, ctx, env, "A00000001")
	swipe(t, ctx, env.Terminal, env, "zhang-san")

	// A covered drug and a health-food item: the latter is forbidden and
	// goes wholly to cash.
	q, ch := charge(t, ctx, env.POS, "k-1", demo.Metformin, demo.ProteinPower)
	pp := q.Lines[1]
	if _, ok := reasonOf(pp.Reasons, policy.ItemForbidden); !ok || pp.Account != 0 || pp.Cash != demo.ProteinPower.UnitPrice {
		t.Fatalf("protein powder line = %+v, want ITEM_FORBIDDEN and all cash", pp)
	}
	if q.Lines[0].Account != demo.Metformin.UnitPrice {
		t.Fatalf("metformin line = %+v, want it all on the account", q.Lines[0])
	}
	if ch.Settled != agent.SettledCentre || ch.AccountPaid != demo.Metformin.UnitPrice || ch.CashDue != demo.ProteinPower.UnitPrice {
		t.Fatalf("charge = %+v", ch)
	}
	if got := balance(t, ctx, env, "A00000001"); got != before-ch.AccountPaid || ch.BalanceAfter != got {
		t.Fatalf("centre balance %d, answer says %d; want %d", got, ch.BalanceAfter, before-ch.AccountPaid)
	}
	listed := supervisor(t, ctx, env, "card_no=A00000001&kind=charge")
	if len(listed) != 1 || listed[0].TxnID != ch.TxnID || listed[0].Account != ch.AccountPaid || listed[0].Cashier != "C07" {
		t.Fatalf("supervisor API lists %+v, want the one charge", listed)
	}

	// The centre goes down: two charges are held offline.
	if err := env.StopCentre(); err != nil {
		t.Fatal(err)
	}
	_, off1 := charge(t, ctx, env.POS, "k-2", demo.Banlangen)
	_, off2 := charge(t, ctx, env.POS, "k-3", demo.ColdMedicine)
	for _, c := range []agent.Charge{off1, off2} {
		if c.Settled != agent.SettledOffline || c.AccountPaid == 0 {
			t.Fatalf("offline charge = %+v", c)
		}
	}
	st, err := env.POS.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Centre.Connected || st.OfflineExposure.TerminalFen != off1.AccountPaid+off2.AccountPaid {
		t.Fatalf("status while offline: connected=%v exposure=%d", st.Centre.Connected, st.OfflineExposure.TerminalFen)
	}

	// The centre comes back: both arrive exactly once.
	if err := env.RestartCentre(ctx); err != nil {
		t.Fatal(err)
	}
	if err := env.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []agent.Charge{off1, off2} {
		n := 0
		for _, tx := range supervisor(t, ctx, env, "card_no=A00000001") {
			if tx.TxnID == c.TxnID {
				n++
				if tx.Settled != "offline" {
					t.Errorf("%s settled %q at the centre, want offline", c.TxnID, tx.Settled)
				}
			}
		}
		if n != 1 {
			t.Fatalf("offline charge %s at the centre %d times", c.TxnID, n)
		}
	}
	want := before - ch.AccountPaid - off1.AccountPaid - off2.AccountPaid
	if got := balance(t, ctx, env, "A00000001"); got != want {
		t.Fatalf("balance after resync %d, want %d", got, want)
	}
	txns, err := env.POS.Transactions(ctx, "", "A00000001")
	if err != nil {
		t.Fatal(err)
	}
	if len(txns) != 3 {
		t.Fatalf("local journal lists %d transactions, want 3", len(txns))
	}
	for _, tx := range txns {
		if !tx.Synced {
			t.Errorf("%s not marked synced", tx.TxnID)
		}
	}
}

func TestSameIdempotencyKeyChargesOnce(t *testing.T) {
	env, ctx := world(t)
	before := balance(t, ctx, env, "A00000001")
	swipe(t, ctx, env.Terminal, env, "zhang-san")
	q, err := env.POS.Quote(ctx, agent.QuoteRequest{Cashier: "C07", Lines: []policy.Line{demo.Metformin}})
	if err != nil {
		t.Fatal(err)
	}
	req := agent.ChargeRequest{QuoteID: q.QuoteID, IdempotencyKey: "same-key", Confirm: q.Required}
	first, err := env.POS.Charge(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	seq := env.Agent.Journal.LastSeq()
	// The POS retries, e.g. after a timeout: the same answer, no new charge.
	again, err := env.POS.Charge(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, first) {
		t.Fatalf("second answer %+v differs from first %+v", again, first)
	}
	if got := env.Agent.Journal.LastSeq(); got != seq {
		t.Fatalf("journal grew from %d to %d on a repeated key", seq, got)
	}
	if got := balance(t, ctx, env, "A00000001"); got != before-first.AccountPaid {
		t.Fatalf("balance %d, want %d (charged once)", got, before-first.AccountPaid)
	}
	if n := len(supervisor(t, ctx, env, "card_no=A00000001&kind=charge")); n != 1 {
		t.Fatalf("centre holds %d charges, want 1", n)
	}
}

func TestBadInputGetsAClearErrorAndChangesNothing(t *testing.T) {
	env, ctx := world(t)
	swipe(t, ctx, env.Terminal, env, "zhang-san")
	j := env.Agent.Journal
	seq, bal := j.LastSeq(), balance(t, ctx, env, "A00000001")

	post := func(path, token, body string) (int, agent.Error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", env.POS.Base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e agent.Error
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e
	}
	cases := []struct {
		name, path, token, body string
		status                  int
		code                    string
	}{
		{"malformed quote JSON", "/v1/quote", demo.APIToken, `{"cashier":"C1","lines":[{"code":`, 400, agent.CodeBadRequest},
		{"trailing data", "/v1/charge", demo.APIToken, `{"quote_id":"q"} {}`, 400, agent.CodeBadRequest},
		{"wrong types", "/v1/quote", demo.APIToken, `{"cashier":"C1","lines":[{"code":"D0001","qty":"two"}]}`, 400, agent.CodeBadRequest},
		{"negative quantity", "/v1/quote", demo.APIToken, `{"cashier":"C1","lines":[{"code":"D0001","qty":-1,"unit_price":100}]}`, 400, agent.CodeBadRequest},
		{"oversized body", "/v1/quote", demo.APIToken, `{"cashier":"` + strings.Repeat("x", 2<<20) + `"}`, 400, agent.CodeBadRequest},
		{"missing token", "/v1/quote", "", `{}`, 401, agent.CodeUnauthorized},
		{"wrong token", "/v1/charge", "not-the-token-at-all", `{}`, 401, agent.CodeUnauthorized},
	}
	for _, c := range cases {
		status, e := post(c.path, c.token, c.body)
		if status != c.status || e.Code != c.code || e.Message == "" || e.MessageZh == "" {
			t.Errorf("%s: HTTP %d %+v, want %d %s with both messages", c.name, status, e, c.status, c.code)
		}
	}

	// Garbage on the serial line: counted, reported, and the card stays.
	before, _ := env.POS.Status(ctx)
	noise := []byte{0x02, 0x00, 0x05, 0x41, 'x', 'y', 0x00, 0x03} // bad BCC
	noise = append(noise, bytes.Repeat([]byte{0xff, 0x13, 0x37}, 50)...)
	if err := env.WriteReader(noise); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := env.POS.Status(ctx)
		if err == nil && st.Reader.BadFrames > before.Reader.BadFrames {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("garbage not counted: reader status %+v", st.Reader)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if card, err := env.POS.Card(ctx); err != nil || card.CardNo != "A00000001" {
		t.Fatalf("after noise the card is %+v, %v", card, err)
	}
	if got := j.LastSeq(); got != seq {
		t.Fatalf("journal changed from seq %d to %d on bad input", seq, got)
	}
	if got := balance(t, ctx, env, "A00000001"); got != bal {
		t.Fatalf("balance changed from %d to %d on bad input", bal, got)
	}
	var apiErr *api.APIError
	if _, err := env.POS.Charge(ctx, agent.ChargeRequest{QuoteID: "q-nope", IdempotencyKey: "k"}); !errors.As(err, &apiErr) || apiErr.Code != agent.CodeQuoteNotFound {
		t.Fatalf("charge of an unknown quote: %v", err)
	}
}
