package daemon_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/agent/api"
	"posagent/internal/clock"
	"posagent/internal/demo"
	"posagent/policy"
)

// auditedBasket is one of the 15 purchases of the audited case: 202.40
// yuan of covered items with no days-of-supply limit, so that only the
// splitting itself can trip a rule. 15 of them are 3036 yuan.
var auditedBasket = []policy.Line{
	{Code: "D0034", Barcode: "6901234500349", Qty: 5, UnitPrice: 3400}, // 云南白药气雾剂
	{Code: "D0028", Barcode: "6901234500288", Qty: 6, UnitPrice: 500},  // 维生素C片
	{Code: "D0036", Qty: 1, UnitPrice: 240},                            // 当归饮片 (no barcode)
}

func sampleRules(t *testing.T) policy.Rules {
	t.Helper()
	r, err := policy.ParseRules(agenttest.Testdata(t, "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// allowedPerDay is how many audited baskets the sample rules let through
// in one day: the daily count or the daily amount, whichever bites first.
func allowedPerDay(r policy.Rules, basket int64) int {
	n := int(r.DailyCount)
	if byAmount := int(r.DailyAmount / basket); byAmount < n {
		n = byAmount
	}
	return n
}

// replayAudit makes 15 purchases of the audited basket on one card, the
// i-th at terms[i%len(terms)], swiping the card before each, and returns
// the quotes and charges.
func replayAudit(t *testing.T, ctx context.Context, env *demo.Env, terms []*demo.Terminal) ([]agent.Quote, []agent.Charge) {
	var quotes []agent.Quote
	var charges []agent.Charge
	for i := range 15 {
		term := terms[i%len(terms)]
		swipe(t, ctx, term, env, "chen-gang")
		q, ch := charge(t, ctx, term.POS, fmt.Sprintf("audit-%d", i), auditedBasket...)
		quotes, charges = append(quotes, q), append(charges, ch)
	}
	return quotes, charges
}

func checkAuditRefusals(t *testing.T, quotes []agent.Quote, charges []agent.Charge, allowed int, wantPartial bool) {
	t.Helper()
	var total int64
	for i, q := range quotes {
		total += q.Total
		var split []policy.Code
		for _, r := range q.Reasons {
			if r.Code == policy.SplitDailyCount || r.Code == policy.SplitDailyAmount {
				split = append(split, r.Code)
				if r.Severity != policy.Block {
					t.Errorf("purchase %d: %s severity %s, want block", i+1, r.Code, r.Severity)
				}
				if p, _ := r.Evidence["partial_history"].(bool); p != wantPartial {
					t.Errorf("purchase %d: %s partial_history=%v, want %v", i+1, r.Code, p, wantPartial)
				}
			}
		}
		refused := len(split) > 0
		if refused != (i >= allowed) {
			t.Fatalf("purchase %d: split codes %v; want refusals from purchase %d on", i+1, split, allowed+1)
		}
		if refused && (q.AccountTotal != 0 || charges[i].AccountPaid != 0 || charges[i].CashDue != q.Total) {
			t.Fatalf("purchase %d refused but the account paid %d", i+1, charges[i].AccountPaid)
		}
		// The identity check is forced before any account payment this large.
		if !refused {
			if _, ok := reasonOf(q.Reasons, policy.IDCheckRequired); !ok {
				t.Errorf("purchase %d of %d fen paid without an identity check", i+1, q.AccountTotal)
			}
		}
	}
	if total != 303600 {
		t.Fatalf("the replay totals %d fen, want 303600 (3036 yuan)", total)
	}
}

func TestAuditedSplitCaseIsRefusedAndShownToSupervisors(t *testing.T) {
	env, ctx := world(t)
	allowed := allowedPerDay(sampleRules(t), 20240)
	before := balance(t, ctx, env, "A00000011")
	quotes, charges := replayAudit(t, ctx, env, []*demo.Terminal{env.Terminal})
	checkAuditRefusals(t, quotes, charges, allowed, false)

	paid := int64(0)
	for _, ch := range charges {
		paid += ch.AccountPaid
	}
	if got := balance(t, ctx, env, "A00000011"); got != before-paid || paid != int64(allowed)*20240 {
		t.Fatalf("ledger: balance %d, paid %d; want only %d baskets paid", got, paid, allowed)
	}
	all := supervisor(t, ctx, env, "card_no=A00000011&kind=charge")
	flagged := supervisor(t, ctx, env, "card_no=A00000011&kind=charge&flagged=1")
	if len(all) != 15 || len(flagged) != 15-allowed {
		t.Fatalf("supervisor API: %d charges, %d flagged; want 15 and %d", len(all), len(flagged), 15-allowed)
	}
	for _, tx := range flagged {
		if tx.Account != 0 || tx.Cashier != "C07" {
			t.Errorf("flagged %s: account %d cashier %q", tx.TxnID, tx.Account, tx.Cashier)
		}
	}
	centreAgrees(t, ctx, env, "card_no=A00000011")
}

// centreAgrees waits until the agent's records reached the centre and
// fails on any the centre's re-judging flagged or held (SPEC §9): an
// honest agent's records are judged as it judged them.
func centreAgrees(t *testing.T, ctx context.Context, env *demo.Env, query string) {
	t.Helper()
	if err := env.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	txns := supervisor(t, ctx, env, query)
	if len(txns) == 0 {
		t.Fatal("no records at the centre")
	}
	for _, tx := range txns {
		if len(tx.Flags) != 0 || tx.Held != 0 {
			t.Errorf("honest %s %s at the centre: flags %v, held %d, findings %+v", tx.Kind, tx.TxnID, tx.Flags, tx.Held, tx.Findings)
		}
	}
}

func TestAuditedSplitAcrossTwoPharmaciesIsCaught(t *testing.T) {
	env, ctx := world(t)
	second, err := env.AddTerminal(ctx, "T002", "P002")
	if err != nil {
		t.Fatal(err)
	}
	if err := second.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	allowed := allowedPerDay(sampleRules(t), 20240)
	quotes, charges := replayAudit(t, ctx, env, []*demo.Terminal{env.Terminal, second})
	checkAuditRefusals(t, quotes, charges, allowed, false)
	pharmacies := map[string]int{}
	for _, tx := range supervisor(t, ctx, env, "card_no=A00000011&flagged=1&kind=charge") {
		pharmacies[tx.Pharmacy]++
	}
	if pharmacies["P001"] == 0 || pharmacies["P002"] == 0 {
		t.Fatalf("flagged purchases by pharmacy %v: want both pharmacies", pharmacies)
	}
}

// worldWithClock is world on a clock that starts at 10:00 Shanghai today
// and that the test moves forward.
func worldWithClock(t *testing.T) (*demo.Env, context.Context, *clock.Offset) {
	clk := demo.ClockAt(agenttest.Shanghai, 10)
	env, ctx := worldWith(t, func(o *demo.Options) { o.Clock = clk })
	return env, ctx, clk
}

// honestSale charges lines and fails if anything was blocked or the
// identity check was demanded.
func honestSale(t *testing.T, ctx context.Context, pos *api.Client, key string, lines ...policy.Line) agent.Charge {
	t.Helper()
	q, ch := charge(t, ctx, pos, key, lines...)
	for _, l := range q.Lines {
		for _, r := range l.Reasons {
			if r.Severity == policy.Block {
				t.Fatalf("%s: honest line %s blocked: %s %v", key, l.Code, r.Code, r.Evidence)
			}
		}
	}
	for _, r := range q.Reasons {
		t.Fatalf("%s: honest sale got transaction reason %s %v", key, r.Code, r.Evidence)
	}
	return ch
}

func TestDiabeticMonthlyMetforminForAYearPasses(t *testing.T) {
	env, ctx, clk := worldWithClock(t)
	monthly := policy.Line{Code: "D0001", Barcode: "6901234500011", Qty: 1, UnitPrice: 2380, RxID: "RX-M"}
	var paid int64
	for month := range 12 {
		if month > 0 {
			clk.Advance(time.Duration(28+month%4) * 24 * time.Hour) // refills every 28–31 days
		}
		swipe(t, ctx, env.Terminal, env, "zhang-san")
		ch := honestSale(t, ctx, env.POS, fmt.Sprintf("metformin-%d", month), monthly)
		if ch.AccountPaid != monthly.UnitPrice {
			t.Fatalf("month %d: account paid %d", month+1, ch.AccountPaid)
		}
		paid += ch.AccountPaid
	}
	// An early refill (10 days after the last) is still caught.
	clk.Advance(10 * 24 * time.Hour)
	swipe(t, ctx, env.Terminal, env, "zhang-san")
	q, err := env.POS.Quote(ctx, agent.QuoteRequest{Cashier: "C07", Lines: []policy.Line{monthly}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := reasonOf(q.Lines[0].Reasons, policy.SplitSupplyOverlap); !ok {
		t.Fatalf("refill 10 days into a 30-day supply passed: %+v", q.Lines[0])
	}
	if paid != 12*monthly.UnitPrice {
		t.Fatalf("paid %d over the year", paid)
	}
	centreAgrees(t, ctx, env, "card_no=A00000001")
}

func TestFamilyColdMedicineTwiceAWeekApartAndMixedBasketPass(t *testing.T) {
	env, ctx, clk := worldWithClock(t)
	swipe(t, ctx, env.Terminal, env, "zhao-liu")
	honestSale(t, ctx, env.POS, "cold-1", demo.ColdMedicine)
	clk.Advance(7 * 24 * time.Hour)
	swipe(t, ctx, env.Terminal, env, "zhao-liu")
	honestSale(t, ctx, env.POS, "cold-2", demo.ColdMedicine)

	// A mixed basket: only the health-food line goes to cash.
	q, ch := charge(t, ctx, env.POS, "mixed", demo.Banlangen, demo.Ibuprofen, demo.ProteinPower)
	for i, l := range q.Lines {
		wantCash := int64(0)
		if l.Code == demo.ProteinPower.Code {
			wantCash = l.Amount
		}
		if l.Cash != wantCash {
			t.Errorf("line %d %s: cash %d, want %d (%v)", i, l.Code, l.Cash, wantCash, l.Reasons)
		}
	}
	if ch.CashDue != demo.ProteinPower.UnitPrice || ch.AccountPaid != demo.Banlangen.UnitPrice+demo.Ibuprofen.UnitPrice {
		t.Fatalf("mixed basket charge %+v", ch)
	}
	centreAgrees(t, ctx, env, "card_no=A00000003")
}
