package agent

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	gosync "sync"
	"time"

	"posagent/agent/journal"
	"posagent/policy"
	"posagent/reader"
	"posagent/sync/wire"
)

// session is one presentation of a card: from the swipe (or insertion,
// or an e-voucher's redemption) until removal, another swipe or scan, or
// the track-2 window passing (voucher.go says when a voucher's ends).
type session struct {
	id   uint64
	card reader.Card
	// voucher is the e-voucher token the centre redeemed for this session
	// (Source "voucher"); "" otherwise.
	voucher string

	lookup    chan struct{} // closed when the account look-up has finished
	info      wire.AccountInfo
	fromCache bool // info is the last known account, not a fresh answer
	haveInfo  bool
	// asOf is the last of this terminal's seqs the centre's balance is
	// known to include; this terminal's charges after it are subtracted.
	asOf uint64
}

// cachedAccount is the last known account of a card, kept for offline use.
type cachedAccount struct {
	Info wire.AccountInfo `json:"info"`
	AsOf uint64           `json:"as_of"`
}

// cardState holds the current session and the recent swipes (for card
// hoarding), guarded by one mutex.
type cardState struct {
	mu      gosync.Mutex
	cur     *session
	nextID  uint64
	removed time.Time
	swipes  []policy.Swipe // recent reads, oldest first
}

// maxSwipeMemory bounds how far back swipes are kept for hoarding checks.
const maxSwipeMemory = 24 * time.Hour

// HandleReaderEvent is the reader's callback: it updates the current card,
// starts the account look-up and fans the event out to subscribers.
func (a *Agent) HandleReaderEvent(ev reader.Event) {
	switch ev.Type {
	case "card":
		if ev.Card != nil {
			a.startSession(*ev.Card)
			a.obs.Swiped()
		}
	case "card_removed":
		// An IC card taken out ends its session; an e-voucher's session
		// is not a card in this reader and stays.
		a.cards.mu.Lock()
		if a.cards.cur != nil && a.cards.cur.card.Source != SourceVoucher {
			a.cards.cur = nil
			a.cards.removed = a.now()
		}
		a.cards.mu.Unlock()
	case "reader":
		if ev.Reader != nil {
			st := *ev.Reader
			a.readerStatus.Store(&st)
		}
	}
	a.events.publish(ev)
}

func (a *Agent) startSession(c reader.Card) {
	go a.lookupAccount(a.newSession(c, nil))
}

// newSession makes c the current card, remembered for the hoarding check;
// its lookup channel is still open. prep, when not nil, completes the
// session before any other goroutine can see it.
func (a *Agent) newSession(c reader.Card, prep func(*session)) *session {
	// The session is timed by the agent's clock, the one the track-2 window
	// and the hoarding check are measured with.
	now := a.now()
	c.ReadAt = now
	a.cards.mu.Lock()
	a.cards.nextID++
	s := &session{id: a.cards.nextID, card: c, lookup: make(chan struct{})}
	if prep != nil {
		prep(s)
	}
	a.cards.cur = s
	a.cards.swipes = append(a.cards.swipes, policy.Swipe{CardNo: c.CardNo, At: c.ReadAt})
	cut := 0
	for cut < len(a.cards.swipes) && now.Sub(a.cards.swipes[cut].At) > maxSwipeMemory {
		cut++
	}
	a.cards.swipes = a.cards.swipes[cut:]
	a.cards.mu.Unlock()
	return s
}

// lookupAccount asks the centre for the card's account and history with a
// short deadline; offline it falls back to the last known account.
func (a *Agent) lookupAccount(s *session) {
	defer close(s.lookup)
	if c := a.centreClient(); c != nil {
		ctx, cancel := context.WithTimeout(context.Background(), a.cfg.AccountWait)
		// Whatever this terminal has had acknowledged was applied before
		// the centre answers; later charges may or may not be, and are
		// subtracted (the safe side).
		asOf := a.j.Acked()
		info, err := a.askAccount(ctx, c, s)
		cancel()
		if err == nil {
			a.cards.mu.Lock()
			s.info, s.haveInfo, s.asOf = info, true, asOf
			a.cards.mu.Unlock()
			if !info.Reduced {
				// A reduced answer would wipe the diseases and
				// designated pharmacy the cache knows.
				a.cacheAccount(s.card.CardNo, info, asOf)
			}
			return
		}
		a.log.Info("account look-up failed; using last known account", "card_no", s.card.CardNo, "err", err)
	}
	raw, err := a.j.State(stateAccountPfx + s.card.CardNo)
	if err != nil {
		if !errors.Is(err, journal.ErrNotFound) {
			a.log.Warn("account cache unreadable", "card_no", s.card.CardNo, "err", err)
		}
		return
	}
	var cached cachedAccount
	if json.Unmarshal(raw, &cached) == nil {
		a.cards.mu.Lock()
		s.info, s.asOf, s.haveInfo, s.fromCache = cached.Info, cached.AsOf, true, true
		a.cards.mu.Unlock()
	}
}

// cacheAccount keeps the account (not its history) for offline use.
func (a *Agent) cacheAccount(cardNo string, info wire.AccountInfo, asOf uint64) {
	raw, err := json.Marshal(cachedAccount{Info: wire.AccountInfo{Found: info.Found, Holder: info.Holder}, AsOf: asOf})
	if err == nil {
		err = a.j.PutState(stateAccountPfx+cardNo, raw)
	}
	if err != nil {
		a.log.Warn("account cache not written", "card_no", cardNo, "err", err)
	}
}

// currentSession returns the session whose card is in the reader now.
func (a *Agent) currentSession() *session {
	a.cards.mu.Lock()
	defer a.cards.mu.Unlock()
	s := a.cards.cur
	if s == nil {
		return nil
	}
	// A swipe or a scan leaves nothing in the reader to tell it is gone:
	// both end when the window passes.
	if (s.card.Source == "track2" || s.card.Source == SourceVoucher) && a.now().Sub(s.card.ReadAt) > a.cfg.Track2Window {
		a.cards.cur = nil
		return nil
	}
	return s
}

// CurrentCard returns the card in the reader, if any.
func (a *Agent) CurrentCard() (reader.Card, bool) {
	s := a.currentSession()
	if s == nil {
		return reader.Card{}, false
	}
	return s.card, true
}

// recentSwipes copies the swipes policy needs for the hoarding check.
func (a *Agent) recentSwipes() []policy.Swipe {
	a.cards.mu.Lock()
	defer a.cards.mu.Unlock()
	return append([]policy.Swipe(nil), a.cards.swipes...)
}

// waitLookup waits for the session's account look-up, bounded by ctx.
func waitLookup(ctx context.Context, s *session) {
	select {
	case <-s.lookup:
	case <-ctx.Done():
	}
}

// sessionInputs builds the holder and history policy needs for a session:
// the centre's (or cached) account less this terminal's unsynced charges,
// and the centre's history merged with this terminal's own.
func (a *Agent) sessionInputs(s *session, now time.Time, historyDays int64) (*policy.Holder, policy.History, error) {
	var holder *policy.Holder
	select {
	case <-s.lookup:
	default:
		// The look-up has not finished: treat as offline knowledge only.
		return nil, policy.History{Partial: true}, nil
	}
	since := now.AddDate(0, 0, -int(historyDays))
	own, err := a.j.CardCharges(s.card.CardNo, since)
	if err != nil {
		return nil, policy.History{}, err
	}
	a.cards.mu.Lock()
	info, haveInfo, fromCache, asOf := s.info, s.haveInfo, s.fromCache, s.asOf
	a.cards.mu.Unlock()
	if haveInfo && info.Found {
		h := info.Holder
		for _, r := range own {
			if r.Seq > asOf {
				h.Balance -= r.Account
			}
		}
		holder = &h
	}
	if a.blocks.has(s.card.CardNo) {
		if holder == nil {
			// Blocked whether or not its account is known here (a card
			// proven offline is otherwise sold to without one).
			holder = &policy.Holder{CardNo: s.card.CardNo}
		}
		holder.Blocked = true
	}
	// A reduced answer (no proof of the card) has no history.
	hist := policy.History{Partial: !haveInfo || fromCache || info.Reduced}
	if haveInfo && !fromCache {
		for _, p := range info.History {
			if !p.At.Before(since) && p.Terminal != a.cfg.Terminal {
				hist.Purchases = append(hist.Purchases, p)
			}
		}
	}
	for _, r := range own {
		hist.Purchases = append(hist.Purchases, r.Purchase(""))
	}
	sort.SliceStable(hist.Purchases, func(i, j int) bool { return hist.Purchases[i].At.Before(hist.Purchases[j].At) })
	return holder, hist, nil
}
