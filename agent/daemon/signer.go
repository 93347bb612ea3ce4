package daemon

import (
	"context"
	"fmt"

	"posagent/internal/cardproof"
	"posagent/reader"
)

// readerSigner is the agent's CardSigner over the IC reader's AUTH
// exchange.
type readerSigner struct{ r *reader.Reader }

// SignSale implements agent.CardSigner.
func (s readerSigner) SignSale(ctx context.Context, cardNo string, ch cardproof.Challenge) (uint64, []byte, error) {
	a, err := s.r.Auth(ctx, ch)
	if err != nil {
		return 0, nil, err
	}
	if a.CardNo != cardNo {
		return 0, nil, fmt.Errorf("card %s answered the challenge for card %s: %w", a.CardNo, cardNo, reader.ErrAuthOtherCard)
	}
	return a.Counter, a.Cryptogram, nil
}
