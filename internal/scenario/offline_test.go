package scenario

import (
	"slices"
	"strings"
	"testing"

	"posagent/agent"
	"posagent/agent/daemon"
	"posagent/internal/demo"
	"posagent/internal/netproxy"
	"posagent/policy"
	"posagent/reader"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// Offline limits of the bundle this scenario publishes (fen).
const (
	cardLimit     = 3000
	terminalLimit = 6000
)

// zhengShi is 郑十's card (A00000008 in the sample accounts, 12 yuan).
var zhengShi = reader.CardFile{CardRecord: reader.CardRecord{
	Region: "110105", PersonID: "110105199511110820", CardNo: "A00000008",
	CardID: "8f3a1c2e9b7d4e60a5c1f2d3e4b5a608", Name: "郑十", ATR: "3B6D000080318065B0831100C883009000",
	Version: "3.00", IssueDate: "20200115", Expiry: "20300114",
}}

// TestOfflineLimitsAndCentreFlags: with a bundle of small offline limits
// (30 yuan a card, 60 a terminal) the link to the centre fails while the
// centre runs on. Offline, the agent pays from the account up to the
// limits and sends the rest to cash with OFFLINE_LIMIT, and its status
// shows the exposure. Meanwhile the centre blocks one card and another
// card's balance is spent elsewhere; the agent cannot know, charges both,
// and after the link returns the centre applies both charges, flagged
// BLOCKED_AT_SYNC and OVERDRAFT. The blocklist delta then reaches the
// agent, so when it is offline again the blocked card is refused with
// CARD_BLOCKED although its last known account looks fine.
func TestOfflineLimitsAndCentreFlags(t *testing.T) {
	t.Parallel()
	e := startWorld(t, demo.Options{})
	link, err := netproxy.New(e.Centre.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { link.Close() })
	restartAgent(t, e, func(cfg *daemon.Config) { cfg.Centre = "ws://" + link.Addr() })
	if _, err := e.Centre.Centre().Publish(t.Context(), sampleFile(t, "catalogue.csv"),
		rulesWith(t, map[string]any{"offline_card_limit": cardLimit, "offline_terminal_limit": terminalLimit})); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the agent runs the limits bundle", func() (bool, string) {
		st := status(t, e)
		return st.Rules.Version == 2 && st.Centre.Connected, describe(st, nil)
	})

	// Online, each card is read once so the agent knows its account.
	cards := map[string]reader.CardFile{}
	for _, name := range []string{"zhang-san", "chen-gang", "zhao-liu"} {
		cards[name] = swipe(t, e, name)
		quote(t, e, vitaminC(1))
	}
	cards["zheng-shi"] = zhengShi
	swipeCard(t, e, zhengShi)
	if q := quote(t, e, vitaminC(1)); q.Balance != 1200 {
		t.Fatalf("郑十's balance %d, want 1200", q.Balance)
	}
	before := map[string]int64{}
	for name, c := range cards {
		before[name] = balance(t, e, c.CardNo)
	}

	link.SetDown(true)
	waitConnected(t, e, false)
	// At the centre, unseen by the agent: 赵六's card is blocked, and 郑十
	// spends 9 of his 12 yuan at a hospital (the accounts are re-imported).
	if _, err := e.Centre.Centre().BlockCards(t.Context(), []string{cards["zhao-liu"].CardNo}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Centre.Centre().ImportAccountsCSV(t.Context(), strings.NewReader(
		"card_no,person_id,name,balance,status,diseases,pharmacy\nA00000008,110105199511110820,郑十,300,active,,\n")); err != nil {
		t.Fatal(err)
	}

	sales := offlineSales(t, e, cards)
	var exposure int64
	for _, s := range sales {
		exposure += s.charge.AccountPaid
	}
	st := status(t, e)
	if st.OfflineExposure.TerminalFen != terminalLimit || exposure != terminalLimit || st.OfflineExposure.LimitFen != terminalLimit {
		t.Fatalf("offline exposure in the status %d (limit %d), charged %d; want both %d", st.OfflineExposure.TerminalFen, st.OfflineExposure.LimitFen, exposure, terminalLimit)
	}
	checkUnsyncedSum(t, e, terminalLimit)

	link.SetDown(false)
	if err := e.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := status(t, e); st.OfflineExposure.TerminalFen != 0 {
		t.Fatalf("offline exposure %d after the resync, want 0", st.OfflineExposure.TerminalFen)
	}
	checkSyncedSales(t, e, cards, sales, before)

	// The blocklist delta reached the agent with the resync. Offline again,
	// the blocked card's cached account still says active, but the
	// agent's own blocklist refuses it.
	eventually(t, "the agent has blocklist version 1", func() (bool, string) {
		st := status(t, e)
		return st.Blocklist.Version == 1, describe(st, nil)
	})
	link.SetDown(true)
	waitConnected(t, e, false)
	swipeCard(t, e, cards["zhao-liu"])
	q := quote(t, e, vitaminC(1))
	r, ok := reason(q.Reasons, policy.CardBlocked)
	if !ok || q.AccountTotal != 0 || q.CashTotal != 500 || r.Evidence["blocked"] != true || r.Evidence["status"] != "active" {
		t.Fatalf("quote for the blocked card offline: account %d, cash %d, reasons %v (%+v); want CARD_BLOCKED from the blocklist, all cash",
			q.AccountTotal, q.CashTotal, codes(q.Reasons), r)
	}
}

// offlineSale is one sale made while offline, what the agent must answer
// and what the centre must make of it.
type offlineSale struct {
	card          string // sample card name
	boxes         int64  // of vitamin C, 500 fen each
	account, cash int64  // fen the answer must show
	limit         string // "card" or "terminal": the offline limit that binds, if any
	allowed       int64  // the account fen that limit still allowed
	flags         []string
	charge        agent.Charge // the answer
}

// offlineSales makes the offline sales, checking each answer: 张三 up to
// and past the card limit, 赵六 (blocked meanwhile), 郑十 (spent
// meanwhile), then 陈刚 up to and past the terminal limit.
func offlineSales(t *testing.T, e *demo.Env, cards map[string]reader.CardFile) []offlineSale {
	t.Helper()
	plan := []offlineSale{
		{card: "zhang-san", boxes: 4, account: 2000},
		{card: "zhang-san", boxes: 4, account: 1000, cash: 1000, limit: "card", allowed: 1000},
		{card: "zhao-liu", boxes: 2, account: 1000, flags: []string{wire.FlagBlockedAtSync}},
		{card: "zheng-shi", boxes: 2, account: 1000, flags: []string{wire.FlagOverdraft}},
		{card: "chen-gang", boxes: 4, account: 1000, cash: 1000, limit: "terminal", allowed: 1000},
		{card: "chen-gang", boxes: 2, account: 0, cash: 1000, limit: "terminal", allowed: 0},
	}
	for i := range plan {
		s := &plan[i]
		swipeCard(t, e, cards[s.card])
		var q agent.Quote
		q, s.charge = sell(t, e, vitaminC(s.boxes))
		r, limited := reason(q.Reasons, policy.OfflineLimit)
		if !q.Offline || s.charge.Settled != "offline" || s.charge.AccountPaid != s.account || s.charge.CashDue != s.cash || limited != (s.limit != "") {
			t.Fatalf("offline sale %d (%s, %d boxes): offline %v, settled %s, account %d, cash %d, reasons %v; want account %d, cash %d, OFFLINE_LIMIT by %q",
				i, s.card, s.boxes, q.Offline, s.charge.Settled, s.charge.AccountPaid, s.charge.CashDue, codes(q.Reasons), s.account, s.cash, s.limit)
		}
		if !limited {
			continue
		}
		lim := map[string]int64{"card": cardLimit, "terminal": terminalLimit}[s.limit]
		if evidence(t, r, "allowed") != s.allowed || evidence(t, r, s.limit+"_limit") != lim || evidence(t, r, s.limit+"_used") != lim-s.allowed {
			t.Fatalf("offline sale %d: OFFLINE_LIMIT evidence %v; want allowed %d, %s_used %d of %d", i, r.Evidence, s.allowed, s.limit, lim-s.allowed, lim)
		}
	}
	return plan
}

// checkUnsyncedSum checks the exposure against the journal as the POS
// lists it: the account fen of today's charges not yet synced.
func checkUnsyncedSum(t *testing.T, e *demo.Env, want int64) {
	t.Helper()
	txns, err := e.POS.Transactions(t.Context(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, x := range txns {
		if x.Kind == wire.KindCharge && !x.Synced {
			sum += x.Account
		}
	}
	if sum != want {
		t.Fatalf("unsynced charges in GET /v1/transactions add up to %d fen, want %d", sum, want)
	}
}

// checkSyncedSales checks that every offline charge was applied once, with
// the flags expected, and the balances that follow (before: the balances
// at the centre before the sales, by card name).
func checkSyncedSales(t *testing.T, e *demo.Env, cards map[string]reader.CardFile, sales []offlineSale, before map[string]int64) {
	t.Helper()
	byTxn := map[string]store.Txn{}
	for _, x := range centreTxns(t, e, e.AgentCfg.Terminal, false) {
		byTxn[x.TxnID] = x
	}
	spent, held := map[string]int64{}, map[string]int64{}
	for i, s := range sales {
		x, ok := byTxn[s.charge.TxnID]
		if !ok || x.Account != s.account || x.Settled != "offline" || !slices.Equal(x.Flags, s.flags) {
			t.Errorf("offline sale %d (%s) at the centre: %+v; want %d fen, settled offline, flags %v", i, s.card, x, s.account, s.flags)
		}
		spent[s.card] += s.account
		held[s.card] += x.Held
	}
	// What the centre does not allow is held, not taken (SPEC §9): all of
	// 赵六's charge (blocked), what 郑十 spent beyond his 3 yuan.
	for name, c := range cards {
		want, wantHeld := before[name]-spent[name], int64(0)
		switch name {
		case "zhao-liu":
			want, wantHeld = before[name], spent[name]
		case "zheng-shi":
			want, wantHeld = max(0, 300-spent[name]), max(0, spent[name]-300)
		}
		if got := balance(t, e, c.CardNo); got != want || held[name] != wantHeld {
			t.Errorf("%s at the centre: balance %d, held %d; want %d, held %d", name, got, held[name], want, wantHeld)
		}
	}
}
