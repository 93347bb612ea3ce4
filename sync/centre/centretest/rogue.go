package centretest

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"
	"time"

	"posagent/internal/cardproof"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// Rogue is a rogue terminal: a pharmacy's own terminal, with the real
// token the centre enrolled it with, speaking the agent protocol with a
// small client and sending well-chained records it made up (SPEC §9).
// Nothing in the chain gives it away: only the centre's re-judging can.
type Rogue struct {
	C     *Centre
	Agent *Agent
	Chain *Chain
}

// Rogue enrols terminal at pharmacy, connects with its token and says
// hello (nothing synced yet, rules version 1): it is ready to Send.
func (c *Centre) Rogue(terminal, pharmacy string) *Rogue {
	c.T.Helper()
	tok := c.Enrol(terminal, pharmacy)
	a := c.Connect(terminal, tok)
	a.Hello(0, 1, 0)
	return &Rogue{C: c, Agent: a, Chain: &Chain{Terminal: terminal}}
}

// Send seals recs as the next entries of the rogue's chain (their
// terminal, seq and prev_hash set; a txn_id terminal-seq when they have
// none), sends them in one batch, checks the centre acknowledged them all,
// and returns what the centre stored for each, in order.
func (r *Rogue) Send(recs ...wire.Record) []store.Txn {
	t := r.C.T
	t.Helper()
	first := len(r.Chain.Entries)
	for _, rec := range recs {
		rec.Terminal = r.Chain.Terminal
		if rec.TxnID == "" && (rec.Kind == wire.KindCharge || rec.Kind == wire.KindVoid) {
			rec.TxnID = fmt.Sprintf("%s-%d", r.Chain.Terminal, len(r.Chain.Entries)+1)
		}
		r.Chain.Add(t, rec)
	}
	ack := r.Agent.SendEntries(r.Chain.Entries[first:])
	if ack.AckedSeq != uint64(len(r.Chain.Entries)) {
		t.Fatalf("ack %+v, want seq %d acknowledged", ack, len(r.Chain.Entries))
	}
	out := make([]store.Txn, 0, len(recs))
	for seq := first + 1; seq <= len(r.Chain.Entries); seq++ {
		out = append(out, r.Txn(uint64(seq)))
	}
	return out
}

// NextSeq is the seq the rogue's next record gets: the first of the next
// Send.
func (r *Rogue) NextSeq() uint64 { return uint64(len(r.Chain.Entries) + 1) }

// Prove is an honest card's proof of rec's sale (its terminal, seq,
// card, amounts and time, set beforehand) at counter: what the card
// numbered rec.CardNo, keyed from issuer, answers the reader's AUTH.
func Prove(t testing.TB, issuer cardproof.IssuerKey, rec wire.Record, counter uint64) *cardproof.Proof {
	t.Helper()
	card, err := cardproof.NewCard(cardproof.Default, issuer, rec.CardNo)
	if err != nil {
		t.Fatal(err)
	}
	ch := cardproof.ChallengeFor(rec.Sale())
	return &cardproof.Proof{Challenge: ch.String(), Counter: counter, Cryptogram: hex.EncodeToString(card.Sign(ch, counter))}
}

// ProveLookup is an honest card's answer to the look-up challenge of
// nonce (hex, as lookup_nonce gave it), terminal and card at counter.
func ProveLookup(t testing.TB, issuer cardproof.IssuerKey, nonce, terminal, card string, counter uint64) *wire.LookupProof {
	t.Helper()
	c, err := cardproof.NewCard(cardproof.Default, issuer, card)
	if err != nil {
		t.Fatal(err)
	}
	n, err := hex.DecodeString(nonce)
	if err != nil {
		t.Fatalf("nonce %q: %v", nonce, err)
	}
	ch := cardproof.LookupChallenge(n, terminal, card)
	return &wire.LookupProof{Nonce: nonce, Counter: counter, Cryptogram: hex.EncodeToString(c.Sign(ch, counter))}
}

// Txn is the rogue's record seq as the centre stored it.
func (r *Rogue) Txn(seq uint64) store.Txn {
	t := r.C.T
	t.Helper()
	for _, x := range r.C.Txns(store.Filter{Terminal: r.Chain.Terminal}) {
		if x.Seq == seq {
			return x
		}
	}
	t.Fatalf("no record %s/%d at the centre", r.Chain.Terminal, seq)
	return store.Txn{}
}

// AccountBalance is a card's balance as the supervisor API answers it
// (GET /api/accounts/{card}, as SupervisorName: call Users first).
func (c *Centre) AccountBalance(card string) int64 {
	c.T.Helper()
	var info wire.AccountInfo
	resp := c.Request(http.MethodGet, "/api/accounts/"+card, Basic(SupervisorName, SupervisorPassword), nil, &info)
	if resp.StatusCode != http.StatusOK {
		c.T.Fatalf("GET /api/accounts/%s: %s", card, resp.Status)
	}
	return info.Holder.Balance
}

// AccountLine is a cart line paid wholly from the account, as a dishonest
// terminal writes it: no reasons, nothing in cash, a prescription id,
// three days' supply a unit.
func AccountLine(code, barcode string, qty, unit int64) wire.Line {
	return wire.Line{Code: code, Barcode: barcode, Qty: qty, UnitPrice: unit, RxID: "RX-1",
		Amount: qty * unit, Account: qty * unit, Days: qty * 3000}
}

// AccountCharge is a charge on card at at of lines, every fen from the
// account, rules version 1, sums sound, cashier c1. Its terminal, seq and
// txn_id are left for whoever seals it (Rogue.Send, a journal).
func AccountCharge(card string, at time.Time, lines ...wire.Line) wire.Record {
	rec := wire.Record{Kind: wire.KindCharge, At: at, CardNo: card, Cashier: "c1", RulesVersion: 1, Lines: lines}
	for _, l := range lines {
		rec.Total += l.Amount
		rec.Account += l.Account
		rec.Cash += l.Cash
	}
	return rec
}
