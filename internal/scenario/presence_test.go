package scenario

import (
	"testing"

	"posagent/agent"
	"posagent/internal/demo"
	"posagent/policy"
	"posagent/reader"
)

// TestSwipedCardPaysCash: a magnetic-stripe swipe cannot prove the holder
// was there (SPEC §10): at a track-2 terminal the sample rules
// (track2_account_limit 0) send the whole sale to cash with
// CARD_PROOF_MISSING, the receipt says there is no proof, and the centre,
// which judges the record the same way, neither flags nor holds it.
func TestSwipedCardPaysCash(t *testing.T) {
	t.Parallel()
	e := startWorld(t, demo.Options{Format: reader.FormatTrack2})
	swipe(t, e, "zhang-san")
	q := quote(t, e, baiyao(1))
	r, ok := reason(q.Reasons, policy.CardProofMissing)
	if !ok || q.AccountTotal != 0 || q.CashTotal != 3400 || evidence(t, r, "moved_to_cash") != 3400 {
		t.Fatalf("track-2 quote: account %d, cash %d, reasons %v; want all 3400 in cash with CARD_PROOF_MISSING", q.AccountTotal, q.CashTotal, codes(q.Reasons))
	}
	ch := charge(t, e, q)
	if ch.AccountPaid != 0 || ch.Proof != "" {
		t.Fatalf("track-2 charge: %+v; want nothing from the account and no proof", ch)
	}
	if err := e.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	x, ok := bySeq(centreTxns(t, e, e.AgentCfg.Terminal, false))[ch.Seq]
	if !ok || len(x.Flags) != 0 || x.Held != 0 || x.Presence == nil || x.Presence.Source != "track2" || x.Presence.Proof != "" {
		t.Fatalf("at the centre: %+v (present %v); want the swipe recorded without proof, no flag, nothing held", x, ok)
	}
}

// TestMutedCardIsNotCharged: an IC card that does not answer the reader's
// challenge (a dead chip, or a card number typed into a forged frame) is
// not charged: CARD_NOT_SIGNED with its Chinese text, nothing journaled;
// once the card answers again the same cart is charged and proven.
func TestMutedCardIsNotCharged(t *testing.T) {
	t.Parallel()
	e := startWorld(t, demo.Options{})
	swipe(t, e, "zhang-san")
	q := quote(t, e, baiyao(1))
	if q.AccountTotal != 3400 {
		t.Fatalf("quote: account %d, reasons %v; want 3400", q.AccountTotal, codes(q.Reasons))
	}
	before := e.Agent.Journal.LastSeq()
	e.MuteCard(true)
	_, err := e.POS.Charge(t.Context(), chargeRequest(t, q))
	if ae := apiError(t, err); ae.Code != agent.CodeCardNotSigned || ae.MessageZh == "" {
		t.Fatalf("charge with a silent card: %+v, want CARD_NOT_SIGNED with a Chinese message", ae)
	}
	if got := e.Agent.Journal.LastSeq(); got != before {
		t.Fatalf("the refused charge wrote to the journal: seq %d → %d", before, got)
	}
	e.MuteCard(false)
	_, ch := sell(t, e, baiyao(1))
	if ch.AccountPaid != 3400 || ch.Proof != agent.ProofCard {
		t.Fatalf("charge after the card answers again: %+v; want 3400 proven by the card", ch)
	}
	if err := e.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	if x := bySeq(centreTxns(t, e, e.AgentCfg.Terminal, false))[ch.Seq]; len(x.Flags) != 0 || x.Presence == nil || x.Presence.Proof != "card" {
		t.Fatalf("at the centre: %+v; want no flag, proven by the card", x)
	}
}

// TestUnseenCardProvenOffline: offline, an IC card this terminal has
// never seen, its account unknown here, still pays from the account within
// the offline card limit because it signs the sale (SPEC §10); the centre
// verifies the signature when the record arrives and neither flags nor
// holds it.
func TestUnseenCardProvenOffline(t *testing.T) {
	t.Parallel()
	e := startWorld(t, demo.Options{})
	if err := e.StopCentre(); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, e, false)
	swipe(t, e, "chen-gang") // never seen at this terminal
	q, ch := sell(t, e, baiyao(1))
	if _, unknown := reason(q.Reasons, policy.CardUnknown); unknown || !q.Offline || q.AccountTotal != 3400 {
		t.Fatalf("offline quote for an unseen card: offline %v, account %d, reasons %v; want offline, 3400, no CARD_UNKNOWN",
			q.Offline, q.AccountTotal, codes(q.Reasons))
	}
	if ch.Settled != agent.SettledOffline || ch.AccountPaid != 3400 || ch.Proof != agent.ProofCard {
		t.Fatalf("offline charge: %+v; want 3400 settled offline, proven by the card", ch)
	}
	if err := e.RestartCentre(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := e.WaitSynced(t.Context()); err != nil {
		t.Fatal(err)
	}
	if x := bySeq(centreTxns(t, e, e.AgentCfg.Terminal, false))[ch.Seq]; x.Account != 3400 || len(x.Flags) != 0 || x.Held != 0 {
		t.Fatalf("at the centre: %+v; want 3400 applied, no flag, nothing held", x)
	}
}
