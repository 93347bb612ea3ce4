package scenario

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"posagent/agent"
	"posagent/internal/demo"
	"posagent/policy"
	"posagent/reader"
	"posagent/sync/centre"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// events keeps what the agent's GET /v1/events websocket streams, as a
// POS (or the cashier page) would see it.
type events struct {
	mu  sync.Mutex
	all []reader.Event
}

// watchEvents subscribes to the agent's events until the test ends.
func watchEvents(t *testing.T, e *demo.Env) *events {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer " + demo.APIToken}}
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+e.Agent.Addr()+"/v1/events", h)
	if err != nil {
		t.Fatalf("GET /v1/events: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	ev := &events{}
	go func() {
		for {
			var m reader.Event
			if err := conn.ReadJSON(&m); err != nil {
				return
			}
			ev.mu.Lock()
			ev.all = append(ev.all, m)
			ev.mu.Unlock()
		}
	}()
	// The handler subscribes right after the upgrade, which the dial does
	// not wait for: give it a moment. (An event missed for want of it
	// fails a test by timeout; it cannot make one pass.)
	time.Sleep(100 * time.Millisecond)
	return ev
}

func (ev *events) matching(match func(reader.Event) bool) []reader.Event {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	var out []reader.Event
	for _, m := range ev.all {
		if match(m) {
			out = append(out, m)
		}
	}
	return out
}

// waitN waits until n events match and returns them.
func (ev *events) waitN(t *testing.T, n int, what string, match func(reader.Event) bool) []reader.Event {
	t.Helper()
	var got []reader.Event
	eventually(t, what, func() (bool, string) {
		got = ev.matching(match)
		return len(got) >= n, describeEvents(ev.matching(func(reader.Event) bool { return true }))
	})
	return got
}

func describeEvents(evs []reader.Event) string {
	var b strings.Builder
	for _, m := range evs {
		b.WriteString(" " + m.Type)
		if m.Code != "" {
			b.WriteString("/" + m.Code)
		}
		if m.Card != nil {
			b.WriteString("/" + m.Card.CardNo + "(" + m.Card.Source + ")")
		}
	}
	return "events:" + b.String()
}

func voucherRefusal(code string) func(reader.Event) bool {
	return func(m reader.Event) bool { return m.Type == agent.EventVoucher && m.Code == code }
}

// checkRefusalTexts checks a refusal event carries the code's two texts.
func checkRefusalTexts(t *testing.T, m reader.Event) {
	t.Helper()
	want := wire.VoucherTexts[m.Code]
	if m.Error != want[0] || m.ErrorZh != want[1] || !strings.Contains(m.ErrorZh, "医保") {
		t.Errorf("%s event texts %q / %q, want %q / %q", m.Code, m.Error, m.ErrorZh, want[0], want[1])
	}
}

// noCard checks the agent has no card now.
func noCard(t *testing.T, e *demo.Env, when string) {
	t.Helper()
	c, err := e.POS.Card(context.Background())
	if err == nil {
		t.Fatalf("%s: the agent has card %s (source %s), want none", when, c.CardNo, c.Source)
	}
	if ae := apiError(t, err); ae.Code != agent.CodeNoCard {
		t.Fatalf("%s: GET /v1/card answered %s, want NO_CARD", when, ae.Code)
	}
}

// scanCard scans token and waits for the agent's card from it.
func scanCard(t *testing.T, e *demo.Env, token, cardNo string) reader.Card {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := e.Scan(ctx, token); err != nil {
		t.Fatal(err)
	}
	c, err := e.POS.WaitCard(ctx, cardNo)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestVoucherSaleUsesTheTokenOnce: 张三 shows an e-voucher issued by the
// centre instead of his card. The scan gives his card, source voucher,
// with his account (no card in the reader, no AUTH); the sale pays from
// the account in full (the redemption proves presence: no
// CARD_PROOF_MISSING), and its record carries the token to the centre,
// which applies it. The session then ends; the same code scanned again is refused
// VOUCHER_USED, in Chinese for the cashier, and gives no card. A fresh
// code's session ends after the 3-minute window like a swipe's.
func TestVoucherSaleUsesTheTokenOnce(t *testing.T) {
	t.Parallel()
	clk := morning()
	e := startWorld(t, demo.Options{Clock: clk})
	ev := watchEvents(t, e)
	ctx := t.Context()
	const card = "A00000001"
	before := balance(t, e, card)
	token, _, err := e.IssueVoucher(ctx, card)
	if err != nil {
		t.Fatal(err)
	}

	c := scanCard(t, e, token, card)
	if c.Source != agent.SourceVoucher || c.ICC != "" {
		t.Fatalf("card from the voucher %+v, want source voucher and nothing read from a chip", c)
	}
	ev.waitN(t, 1, "card event of the voucher", func(m reader.Event) bool {
		return m.Type == reader.EventCard && m.Card != nil && m.Card.CardNo == card && m.Card.Source == agent.SourceVoucher
	})
	if v, err := e.Centre.Store().Voucher(ctx, token); err != nil || v.RedeemedBy != e.ID {
		t.Fatalf("voucher at the centre %+v (%v), want redeemed by %s", v, err, e.ID)
	}

	q := quote(t, e, baiyao(1))
	if q.CardNo != card || q.AccountTotal != 3400 || q.Balance != before || hasCode(q.Reasons, policy.CardProofMissing) {
		t.Fatalf("voucher quote: card %s, account %d, balance %d, reasons %v; want %s, 3400, %d, no CARD_PROOF_MISSING",
			q.CardNo, q.AccountTotal, q.Balance, codes(q.Reasons), card, before)
	}
	ch := charge(t, e, q)
	if ch.AccountPaid != 3400 || ch.Proof != agent.ProofVoucher || ch.Settled != agent.SettledCentre {
		t.Fatalf("voucher charge %+v, want 3400 from the account, proof voucher, settled at the centre", ch)
	}
	rec, err := e.Agent.Journal.ByTxn(ch.TxnID)
	if err != nil {
		t.Fatal(err)
	}
	if cr := rec.CardRead; cr == nil || cr.Source != agent.SourceVoucher || cr.Voucher != token || cr.Port != e.AgentCfg.Scanner || rec.CardProof != nil {
		t.Fatalf("charge record card_read %+v, proof %v; want source voucher, the token, the scanner's port, no card proof", cr, rec.CardProof)
	}
	if err := e.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	// The centre takes the token it redeemed for this terminal and card
	// as the proof (and marks it used): the honest sale is neither
	// flagged nor held, and the account pays it.
	var applied *store.Txn
	for _, x := range centreTxns(t, e, e.ID, false) {
		if x.TxnID == ch.TxnID {
			applied = &x
		}
	}
	if applied == nil || applied.Account != 3400 || applied.CardNo != card {
		t.Fatalf("the voucher charge at the centre: %+v, want it applied with 3400 from %s's account", applied, card)
	}
	if after := balance(t, e, card); len(applied.Flags) != 0 || applied.Held != 0 || after != before-3400 ||
		applied.Presence == nil || applied.Presence.Proof != "voucher" {
		t.Fatalf("at the centre: flags %v, held %d (%s), presence %+v; balance %d → %d; want no flag, nothing held, proof voucher, 3400 taken",
			applied.Flags, applied.Held, applied.Hold, applied.Presence, before, after)
	}
	if v, err := e.Centre.Store().Voucher(ctx, token); err != nil || v.UsedBy != e.ID || v.UsedSeq != ch.Seq {
		t.Fatalf("the token at the centre: %+v, %v; want used by %s/%d", v, err, e.ID, ch.Seq)
	}

	// The token is spent on the account: the session ends with the sale.
	ev.waitN(t, 1, "card_removed after the voucher sale", func(m reader.Event) bool { return m.Type == reader.EventCardRemoved })
	noCard(t, e, "after the voucher sale")
	if _, err := e.POS.Quote(ctx, agent.QuoteRequest{Cashier: "C01", Lines: []policy.Line{baiyao(1)}}); apiError(t, err).Code != agent.CodeNoCard {
		t.Fatalf("a second quote on the spent voucher: %v, want NO_CARD", err)
	}

	// The same code again (past the scanner's debounce) is refused.
	clk.Advance(reader.DefaultDebounce)
	if err := e.Scan(ctx, token); err != nil {
		t.Fatal(err)
	}
	checkRefusalTexts(t, ev.waitN(t, 1, "VOUCHER_USED", voucherRefusal(wire.VoucherUsed))[0])
	noCard(t, e, "after the used code")

	// A fresh code's session lasts the track-2 window, no longer.
	token2, _, err := e.IssueVoucher(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	scanCard(t, e, token2, card)
	clk.Advance(3*time.Minute + time.Second)
	noCard(t, e, "3 minutes after the scan")
}

// TestVoucherRefusals: what a scan that gives no card looks like. Garbage
// on the scanner's line and a code that is not an e-voucher are refused
// VOUCHER_BAD_TOKEN and counted by the scanner's status; a code older
// than its 120 s is refused VOUCHER_EXPIRED by the centre; with the centre
// down a scan is refused VOUCHER_OFFLINE without a session. Each refusal
// reaches the cashier as an event with both texts, and nothing else
// happens: no card, nothing in the journal.
func TestVoucherRefusals(t *testing.T) {
	t.Parallel()
	clk := morning()
	e := startWorld(t, demo.Options{Clock: clk})
	ev := watchEvents(t, e)
	ctx := t.Context()
	lastSeq := e.Agent.Journal.LastSeq()

	if err := e.WriteScanner([]byte("EC1:AB\x01\x02CD\r\n")); err != nil {
		t.Fatal(err)
	}
	checkRefusalTexts(t, ev.waitN(t, 1, "garbage refused", voucherRefusal(wire.VoucherBadToken))[0])
	if err := e.WriteScanner([]byte("https://example.org/not-a-voucher\r\n")); err != nil {
		t.Fatal(err)
	}
	ev.waitN(t, 2, "a foreign code refused", voucherRefusal(wire.VoucherBadToken))
	if sc := status(t, e).Scanner; sc == nil || sc.BadReads != 1 || sc.Scans != 1 || sc.State != reader.StateOpen {
		t.Fatalf("scanner status %+v, want open, 1 line refused (garbage), 1 scan (the foreign code)", sc)
	}
	noCard(t, e, "after garbage")

	token, _, err := e.IssueVoucher(ctx, "A00000001")
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(centre.VoucherLifetime + time.Second)
	if err := e.Scan(ctx, token); err != nil {
		t.Fatal(err)
	}
	checkRefusalTexts(t, ev.waitN(t, 1, "VOUCHER_EXPIRED", voucherRefusal(wire.VoucherExpired))[0])
	noCard(t, e, "after an expired code")

	fresh, _, err := e.IssueVoucher(ctx, "A00000001")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.StopCentre(); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, e, false)
	if err := e.Scan(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	checkRefusalTexts(t, ev.waitN(t, 1, "VOUCHER_OFFLINE", voucherRefusal(wire.VoucherOffline))[0])
	noCard(t, e, "after a scan offline")
	if got := e.Agent.Journal.LastSeq(); got != lastSeq {
		t.Errorf("journal went from seq %d to %d; refused scans write nothing", lastSeq, got)
	}
	if n := len(ev.matching(func(m reader.Event) bool { return m.Type == reader.EventCard })); n != 0 {
		t.Errorf("%d card events after refused scans, want none", n)
	}
}
