package agent

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"posagent/internal/cardproof"
	"posagent/policy"
	"posagent/sync/wire"
)

// CardSigner asks the card in the reader to sign a charge's challenge: the
// IC reader's AUTH exchange (SPEC §10). It returns the card's transaction
// counter and cryptogram; an error when the card cannot answer, or when the
// card that answers is not cardNo.
type CardSigner interface {
	SignSale(ctx context.Context, cardNo string, ch cardproof.Challenge) (counter uint64, cryptogram []byte, err error)
}

// signWait bounds the card's signature: the reader's wait for a late
// answer to an earlier challenge and for this one (2 s each by default). It
// is held with the journal's write lock, so it is only reached when a card
// fails.
const signWait = 5 * time.Second

// policyCard is the card as policy judges it. With a CardSigner presence is
// judged: an IC card counts as proven, since a charge it does not then sign
// is refused; a track-2 swipe never does. An e-voucher session is always
// Source voucher and proven, with or without a CardSigner: its proof is
// the centre's redemption, already had, not the reader's (a terminal with
// a scanner and no card reader has no CardSigner).
func (a *Agent) policyCard(s *session) policy.Card {
	c := s.card.Policy()
	switch {
	case s.voucher != "":
		c.Source, c.Proven = policy.SourceVoucher, true
	case a.cfg.CardSigner != nil:
		c.Source = policy.CardSource(s.card.Source)
		c.Proven = c.Source == policy.SourceFrame
	}
	return c
}

// ProvingCentre is a Centre that can send a look-up with the card's proof
// of presence (sync/client.Client.AccountProven): on one connection it
// gets a nonce from the centre, has sign sign it and asks for the account
// with the proof, falling back to an unproven look-up when a step fails.
type ProvingCentre interface {
	AccountProven(ctx context.Context, cardNo, personID string,
		sign func(ctx context.Context, nonce []byte) (counter uint64, cryptogram []byte, err error)) (wire.AccountInfo, error)
}

// askAccount asks c for the session's account: with the card's proof of
// presence when the card is an IC card in the frame reader, a CardSigner
// is set and c can carry one (one more round trip and one AUTH, within
// ctx); otherwise, and when the card cannot sign, as before. Without a
// proof a centre judging presence answers reduced (Reduced).
func (a *Agent) askAccount(ctx context.Context, c Centre, s *session) (wire.AccountInfo, error) {
	pc, ok := c.(ProvingCentre)
	if !ok || a.cfg.CardSigner == nil || s.card.Source != string(policy.SourceFrame) {
		return c.Account(ctx, s.card.CardNo, s.card.PersonID)
	}
	cardNo := s.card.CardNo
	sign := func(ctx context.Context, nonce []byte) (uint64, []byte, error) {
		return a.cfg.CardSigner.SignSale(ctx, cardNo, cardproof.LookupChallenge(nonce, a.cfg.Terminal, cardNo))
	}
	return pc.AccountProven(ctx, cardNo, s.card.PersonID, sign)
}

// cardRead is the card-read evidence records carry: for an e-voucher
// session the token redeemed (every record of the session carries it)
// and the scanner's port.
func (a *Agent) cardRead(s *session) *wire.CardRead {
	c := s.card
	if s.voucher != "" {
		return &wire.CardRead{Source: SourceVoucher, Name: c.Name, Port: a.cfg.ScannerPort, Voucher: s.voucher}
	}
	return &wire.CardRead{Source: c.Source, ICC: c.ICC, ATR: c.ATR, PersonID: c.PersonID, Name: c.Name, Port: a.cfg.ReaderPort}
}

// proofOf is a charge answer's Proof.
func (a *Agent) proofOf(rec wire.Record) string {
	switch {
	case rec.CardProof != nil:
		return ProofCard
	case rec.CardRead != nil && rec.CardRead.Voucher != "" && rec.Account > 0:
		return ProofVoucher
	case a.cfg.CardSigner != nil && rec.Account > 0:
		return ProofNone
	}
	return ""
}

// Charge.Proof values.
const (
	ProofCard    = "card"
	ProofVoucher = "voucher" // the centre redeemed the session's e-voucher
	ProofNone    = "none"
)

// proveCard has the card in the reader sign the charge r (its sequence
// set) when it pays from the account with an IC card, and attaches the
// proof. A card that does not sign refuses the charge (CARD_NOT_SIGNED).
// An e-voucher session asks nothing: its redemption is the proof, and its
// Source is not "frame".
func (a *Agent) proveCard(ctx context.Context, s *session, r *wire.Record) error {
	if a.cfg.CardSigner == nil || s.card.Source != string(policy.SourceFrame) || r.Account <= 0 {
		return nil
	}
	ch := cardproof.ChallengeFor(r.Sale())
	ctx, cancel := context.WithTimeout(ctx, signWait)
	defer cancel()
	counter, cryptogram, err := a.cfg.CardSigner.SignSale(ctx, r.CardNo, ch)
	if err != nil {
		a.log.Warn("card did not sign the charge; refused", "card_no", r.CardNo, "seq", r.Seq, "err", err)
		return newError(CodeCardNotSigned, fmt.Errorf("card %s: %w", r.CardNo, err))
	}
	r.CardProof = &cardproof.Proof{Challenge: ch.String(), Counter: counter, Cryptogram: hex.EncodeToString(cryptogram)}
	return nil
}
