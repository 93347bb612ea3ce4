package client

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"posagent/internal/cardproof"
	"posagent/sync/wire"
)

// errNoLookupProof: the centre connected to judges no card presence (it
// did not say wire.FeatureLookupProof in its welcome).
var errNoLookupProof = errors.New("centre does not take look-up proofs")

// proofShare is the part of what is left of ctx's deadline the proof
// (nonce and card signature) may take: the rest is for an unproven
// look-up when the proof fails.
const proofShare = 2.0 / 3

// AccountProven is Account with a proof that the card is at the counter
// (SPEC §10): on one connection it asks the centre for a look-up nonce,
// has sign sign it (the card in the reader signing
// cardproof.LookupChallenge over it: its counter and cryptogram), and sends the account_req with the proof. When the
// centre takes no proofs (no wire.FeatureLookupProof) it is Account; when
// any step of the proof fails it logs why and falls back to an unproven
// look-up on the same connection, whose answer the centre may reduce
// (wire.AccountInfo.Reduced). Its errors are Account's.
func (c *Client) AccountProven(ctx context.Context, cardNo, personID string, sign func(ctx context.Context, nonce []byte) (uint64, []byte, error)) (wire.AccountInfo, error) {
	s := c.current()
	if s == nil {
		return wire.AccountInfo{}, ErrOffline
	}
	proof, err := s.lookupProof(ctx, c.newID(), sign)
	if err != nil {
		if !errors.Is(err, errNoLookupProof) {
			c.log.Info("account look-up without the card's proof", "card_no", cardNo, "err", err)
		}
		if ctx.Err() != nil {
			return wire.AccountInfo{}, ctx.Err()
		}
	}
	a, err := call(ctx, s, &s.accounts, wire.Message{Type: wire.TypeAccountReq, ID: c.newID(), CardNo: cardNo,
		PersonID: personID, CardProof: proof})
	if err != nil {
		return wire.AccountInfo{}, err
	}
	return a.info, a.err
}

// lookupProof gets a nonce on this session and the card's answer to it,
// within proofShare of ctx's remaining time.
func (s *session) lookupProof(ctx context.Context, id string, sign func(context.Context, []byte) (uint64, []byte, error)) (*wire.LookupProof, error) {
	if !s.extra[wire.FeatureLookupProof] || sign == nil {
		return nil, errNoLookupProof
	}
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Duration(float64(time.Until(dl))*proofShare)))
		defer cancel()
	}
	a, err := call(ctx, s, &s.nonces, wire.Message{Type: wire.TypeLookupNonceReq, ID: id})
	if err != nil {
		return nil, fmt.Errorf("look-up nonce: %w", err)
	}
	if a.err != nil {
		return nil, a.err
	}
	nonce, err := hex.DecodeString(a.nonce)
	if err != nil || len(nonce) < cardproof.MinNonce {
		return nil, fmt.Errorf("look-up nonce: centre sent %q, not %d bytes or more of hex", a.nonce, cardproof.MinNonce)
	}
	counter, cryptogram, err := sign(ctx, nonce)
	if err != nil {
		return nil, fmt.Errorf("card did not sign the look-up: %w", err)
	}
	return &wire.LookupProof{Nonce: a.nonce, Counter: counter, Cryptogram: hex.EncodeToString(cryptogram)}, nil
}

// nonceAnswer is the centre's answer to one lookup_nonce_req.
type nonceAnswer struct {
	nonce string
	err   error
}

// answerNonce delivers a lookup_nonce message to the request waiting for it.
func (s *session) answerNonce(m wire.Message) {
	var a nonceAnswer
	if m.Error != nil {
		a.err = fmt.Errorf("look-up nonce: %w", &CentreError{Code: m.Error.Code, Message: m.Error.Message})
	} else {
		a.nonce = m.Nonce
	}
	if !s.nonces.deliver(m.ID, a) {
		s.c.log.Debug("look-up nonce nobody waits for", "id", m.ID)
	}
}
