package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"posagent/agent"
	"posagent/policy"
	"posagent/sync/centre"
	"posagent/sync/centre/store"
)

// Sample items of testdata/catalogue.csv the script sells.
var (
	Metformin    = policy.Line{Code: "D0001", Barcode: "6901234500011", Qty: 1, UnitPrice: 2380, RxID: "RX-20261123-001"}
	Ibuprofen    = policy.Line{Code: "D0004", Barcode: "6901234500042", Qty: 1, UnitPrice: 1290}
	ProteinPower = policy.Line{Code: "D0015", Barcode: "6901234500158", Qty: 1, UnitPrice: 16800}
	Baiyao       = policy.Line{Code: "D0034", Barcode: "6901234500349", Qty: 2, UnitPrice: 3400}
	TestStrips   = policy.Line{Code: "D0013", Barcode: "6901234500134", Qty: 1, UnitPrice: 7900}
	Amlodipine   = policy.Line{Code: "D0002", Barcode: "6901234500028", Qty: 1, UnitPrice: 2650, RxID: "RX-20261123-002"}
	Banlangen    = policy.Line{Code: "D0007", Barcode: "6901234500073", Qty: 1, UnitPrice: 1480}
	ColdMedicine = policy.Line{Code: "D0006", Barcode: "6901234500066", Qty: 1, UnitPrice: 980}
	Lianhua      = policy.Line{Code: "D0023", Barcode: "6901234500233", Qty: 1, UnitPrice: 1450}
)

// Script walks a scripted day against a running Env and writes what
// happens to w. It returns an error at the first step that did not behave
// as expected.
func Script(ctx context.Context, e *Env, w io.Writer) error {
	s := &script{e: e, w: w}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"agent ready: rules from the centre, reader open, connected", e.WaitReady},
		{"ordinary sales: 张三 buys metformin and ibuprofen, 赵六 amlodipine", s.ordinarySale},
		{"forbidden item: protein powder goes to cash", s.forbiddenItem},
		{"split attempt: 陈刚 buys four times in a day; the fourth is refused", s.splitAttempt},
		{"outage: the centre goes down, two sales are held offline", s.outage},
		{"resync: the centre comes back and receives both exactly once", s.resync},
		{"e-voucher: 李四 shows the 医保电子凭证 QR code instead of a card", s.voucherSale},
		{"what the centre holds", s.centreHolds},
	}
	for i, st := range steps {
		fmt.Fprintf(w, "\n== %d. %s\n", i+1, st.name)
		if err := st.run(ctx); err != nil {
			fmt.Fprintf(w, "   FAILED: %v\n", err)
			return fmt.Errorf("step %d (%s): %w", i+1, st.name, err)
		}
		fmt.Fprintf(w, "   ok\n")
	}
	return nil
}

type script struct {
	e        *Env
	w        io.Writer
	n        int
	offline  []agent.Charge
	zhangPre int64 // 张三's balance at the centre before the day
}

// sell swipes nothing: it quotes lines for the card in the reader,
// confirms what the rules require (the cashier checked the identity) and
// charges.
func (s *script) sell(ctx context.Context, lines ...policy.Line) (agent.Quote, agent.Charge, error) {
	q, err := s.e.POS.Quote(ctx, agent.QuoteRequest{Cashier: "C01", Lines: lines})
	if err != nil {
		return q, agent.Charge{}, fmt.Errorf("quote: %w", err)
	}
	s.printQuote(q)
	s.n++
	ch, err := s.e.POS.Charge(ctx, agent.ChargeRequest{
		QuoteID: q.QuoteID, IdempotencyKey: fmt.Sprintf("demo-%d-%d", time.Now().UnixNano(), s.n),
		Confirm: q.Required, Note: "demo",
	})
	if err != nil {
		return q, ch, fmt.Errorf("charge: %w", err)
	}
	fmt.Fprintf(s.w, "   charged %s: account %s, cash %s, balance after %s, settled %s, presence proven by %s\n",
		ch.TxnID, yuan(ch.AccountPaid), yuan(ch.CashDue), yuan(ch.BalanceAfter), ch.Settled, proofText(ch.Proof))
	if ch.AccountPaid > 0 && ch.Proof != agent.ProofCard && ch.Proof != agent.ProofVoucher {
		return q, ch, fmt.Errorf("charge %s paid %s from the account with proof %q; want the card's signature or an e-voucher", ch.TxnID, yuan(ch.AccountPaid), ch.Proof)
	}
	return q, ch, nil
}

// proofText names a charge's proof of presence for the script's output.
func proofText(p string) string {
	switch p {
	case agent.ProofCard:
		return "the card's signature"
	case agent.ProofVoucher:
		return "the e-voucher"
	case agent.ProofNone:
		return "nothing (magnetic stripe)"
	}
	return "- (nothing from the account)"
}

// voucherSale issues an e-voucher for 李四 at the centre (standing in for
// the national app), scans it and sells on it: the centre redeems the
// token once and the charge is proven by it.
func (s *script) voucherSale(ctx context.Context) error {
	const card = "A00000002"
	token, _, err := s.e.IssueVoucher(ctx, card)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.w, "   centre issued e-voucher %s… for %s, valid %v\n", token[:8], card, centre.VoucherLifetime)
	if err := s.e.Scan(ctx, token); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := s.e.POS.WaitCard(wctx, card)
	if err != nil {
		return fmt.Errorf("the scanned e-voucher gave no card: %w", err)
	}
	fmt.Fprintf(s.w, "   scanned: card %s, source %s\n", c.CardNo, c.Source)
	_, ch, err := s.sell(ctx, Banlangen)
	if err != nil {
		return err
	}
	if ch.Proof != agent.ProofVoucher {
		return fmt.Errorf("want the sale proven by the e-voucher, got %q", ch.Proof)
	}
	return s.e.WaitSynced(ctx)
}

func (s *script) printQuote(q agent.Quote) {
	for _, l := range q.Lines {
		fmt.Fprintf(s.w, "   %-6s %9s  account %9s  cash %9s  %s\n", l.Code, yuan(l.Amount), yuan(l.Account), yuan(l.Cash), codes(l.Reasons))
	}
	if len(q.Reasons) > 0 {
		fmt.Fprintf(s.w, "   transaction: %s\n", codes(q.Reasons))
	}
	if len(q.Required) > 0 {
		fmt.Fprintf(s.w, "   cashier confirms: %v\n", q.Required)
	}
}

func (s *script) ordinarySale(ctx context.Context) error {
	acct, err := s.e.Centre.Store().Account(ctx, "A00000001")
	if err != nil {
		return err
	}
	s.zhangPre = acct.Balance
	if err := s.swipe(ctx, "zhang-san"); err != nil {
		return err
	}
	q, ch, err := s.sell(ctx, Metformin, Ibuprofen)
	if err != nil {
		return err
	}
	if q.AccountTotal != Metformin.UnitPrice+Ibuprofen.UnitPrice || ch.Settled != agent.SettledCentre {
		return fmt.Errorf("want both lines on the account, settled at the centre; got account %d, settled %s", q.AccountTotal, ch.Settled)
	}
	if err := s.swipe(ctx, "zhao-liu"); err != nil {
		return err
	}
	q, ch, err = s.sell(ctx, Amlodipine)
	if err != nil {
		return err
	}
	if q.AccountTotal != Amlodipine.UnitPrice || ch.Settled != agent.SettledCentre || len(q.Reasons) != 0 {
		return fmt.Errorf("want a clean sale settled at the centre; got %+v", ch)
	}
	return s.swipe(ctx, "zhang-san")
}

func (s *script) forbiddenItem(ctx context.Context) error {
	q, _, err := s.sell(ctx, Banlangen, ProteinPower)
	if err != nil {
		return err
	}
	pp := q.Lines[1]
	if pp.Account != 0 || pp.Cash != ProteinPower.UnitPrice || !hasCode(pp.Reasons, policy.ItemForbidden) {
		return fmt.Errorf("protein powder: want ITEM_FORBIDDEN and all cash, got %+v", pp)
	}
	if q.Lines[0].Account != Banlangen.UnitPrice {
		return fmt.Errorf("板蓝根 should still be on the account, got %+v", q.Lines[0])
	}
	return nil
}

func (s *script) splitAttempt(ctx context.Context) error {
	if err := s.swipe(ctx, "chen-gang"); err != nil {
		return err
	}
	for i := 1; i <= 4; i++ {
		q, _, err := s.sell(ctx, Baiyao, TestStrips)
		if err != nil {
			return err
		}
		refused := hasCode(q.Reasons, policy.SplitDailyCount)
		if refused != (i == 4) {
			return fmt.Errorf("purchase %d: SPLIT_DAILY_COUNT=%v, want it only on the 4th", i, refused)
		}
		if i == 4 && q.AccountTotal != 0 {
			return fmt.Errorf("4th purchase: account part %d, want 0", q.AccountTotal)
		}
	}
	return nil
}

func (s *script) outage(ctx context.Context) error {
	if err := s.e.StopCentre(); err != nil {
		return err
	}
	for _, sale := range []struct {
		card string
		line policy.Line
	}{{"zhao-liu", ColdMedicine}, {"zhang-san", Lianhua}} {
		if err := s.swipe(ctx, sale.card); err != nil {
			return err
		}
		_, ch, err := s.sell(ctx, sale.line)
		if err != nil {
			return err
		}
		if ch.Settled != agent.SettledOffline || ch.AccountPaid == 0 {
			return fmt.Errorf("want an offline account charge, got %+v", ch)
		}
		s.offline = append(s.offline, ch)
	}
	st, err := s.e.POS.Status(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.w, "   status: connected=%v backlog=%d offline exposure %s\n", st.Centre.Connected, st.Backlog.Unsynced, yuan(st.OfflineExposure.TerminalFen))
	return nil
}

func (s *script) resync(ctx context.Context) error {
	if err := s.e.RestartCentre(ctx); err != nil {
		return err
	}
	if err := s.e.WaitSynced(ctx); err != nil {
		return err
	}
	for _, ch := range s.offline {
		txns, err := s.e.Centre.Store().Transactions(ctx, store.Filter{Terminal: s.e.opts.Terminal, CardNo: ch.CardNo})
		if err != nil {
			return err
		}
		n := 0
		for _, t := range txns {
			if t.TxnID == ch.TxnID {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("offline charge %s is at the centre %d times, want once", ch.TxnID, n)
		}
		fmt.Fprintf(s.w, "   %s arrived once\n", ch.TxnID)
	}
	return nil
}

func (s *script) centreHolds(ctx context.Context) error {
	txns, err := s.e.Transactions(ctx, "terminal="+s.e.opts.Terminal+"&kind=charge")
	if err != nil {
		return err
	}
	var zhangSpent int64
	flagged, centreFlags, held := 0, 0, int64(0)
	for _, t := range txns {
		if t.CardNo == "A00000001" {
			zhangSpent += t.Account
		}
		if t.Flagged() {
			flagged++
		}
		centreFlags += len(t.Flags)
		held += t.Held
	}
	acct, err := s.e.Centre.Store().Account(ctx, "A00000001")
	if err != nil {
		return err
	}
	fmt.Fprintf(s.w, "   supervisor API: %d charges from %s, %d flagged for review by their reasons, %d centre findings, %s held\n",
		len(txns), s.e.opts.Terminal, flagged, centreFlags, yuan(held))
	fmt.Fprintf(s.w, "   张三's account: %s before, %s charged, %s now\n", yuan(s.zhangPre), yuan(zhangSpent), yuan(acct.Balance))
	if acct.Balance != s.zhangPre-zhangSpent {
		return errors.New("张三's ledger does not equal his balance less his charges")
	}
	if len(txns) != 10 {
		return fmt.Errorf("want 10 charges at the centre, got %d", len(txns))
	}
	if centreFlags != 0 || held != 0 {
		return fmt.Errorf("the centre re-judged an honest agent's charges: %d findings, %d fen held; want none", centreFlags, held)
	}
	return nil
}

func (s *script) swipe(ctx context.Context, name string) error {
	card, err := s.e.Card(name)
	if err != nil {
		return err
	}
	if err := s.e.Swipe(ctx, card); err != nil {
		return err
	}
	fmt.Fprintf(s.w, "   swiped %s (%s)\n", card.Name, card.CardNo)
	return nil
}

func hasCode(rs []policy.Reason, c policy.Code) bool {
	return slices.ContainsFunc(rs, func(r policy.Reason) bool { return r.Code == c })
}

func codes(rs []policy.Reason) string {
	out := ""
	for _, r := range rs {
		out += fmt.Sprintf("%s(%s) ", r.Code, r.Severity)
	}
	return out
}

// yuan formats fen as yuan without floating point.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s¥%d.%02d", sign, fen/100, fen%100)
}
