package centre

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"posagent/policy"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// applyEntries applies one batch of a terminal's entries and returns the
// ack for it. An empty batch acks the terminal's current state.
func (s *Server) applyEntries(ctx context.Context, terminal string, entries []wire.Entry) (wire.Ack, error) {
	if len(entries) == 0 {
		t, err := s.cfg.Store.Terminal(ctx, terminal)
		if err != nil {
			return wire.Ack{}, fmt.Errorf("terminal %s: %w", terminal, err)
		}
		return wire.Ack{AckedSeq: t.AckedSeq}, nil
	}
	s.ledgerMu.RLock()
	res, err := s.cfg.Store.Apply(ctx, terminal, entries, s.cfg.Now())
	s.ledgerMu.RUnlock()
	if err != nil {
		return wire.Ack{}, fmt.Errorf("apply %d entries of %s from seq %d: %w", len(entries), terminal, entries[0].Seq, err)
	}
	return wire.Ack{AckedSeq: res.AckedSeq, Results: res.Results}, nil
}

// accountInfo is a card's account and its purchases in the history window,
// leaving out those of the terminal excluded (it knows its own). Exclude
// "" to keep every purchase.
func (s *Server) accountInfo(ctx context.Context, cardNo, exclude string) (wire.AccountInfo, error) {
	info := wire.AccountInfo{Holder: policy.Holder{CardNo: cardNo}}
	h, err := s.cfg.Store.Account(ctx, cardNo)
	switch {
	case err == nil:
		info.Found, info.Holder = true, h
	case !errors.Is(err, store.ErrNotFound):
		return info, fmt.Errorf("account %s: %w", cardNo, err)
	}
	history, err := s.cfg.Store.CardHistory(ctx, cardNo, s.since())
	if err != nil {
		return info, fmt.Errorf("history of %s: %w", cardNo, err)
	}
	for _, p := range history {
		if exclude == "" || p.Terminal != exclude {
			info.History = append(info.History, p)
		}
	}
	return info, nil
}

// jsonMessage encodes a websocket message.
func jsonMessage(m wire.Message) ([]byte, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.Type, err)
	}
	return data, nil
}
