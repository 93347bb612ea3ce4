package reader

import (
	"context"
	"errors"
	"fmt"

	"posagent/internal/cardproof"
)

// Errors of Auth; test with errors.Is.
var (
	// ErrAuthUnsupported: the reader's format has no AUTH (track 2: a
	// magnetic stripe cannot sign).
	ErrAuthUnsupported = errors.New("reader format has no AUTH")
	// ErrNotOpen: the reader's port is not open (Run is not running, or
	// the port is lost and being reopened), or it was lost during the wait.
	ErrNotOpen = errors.New("reader port not open")
	// ErrNoCard: no card has been read since the port opened or the last
	// card was removed, or the card was removed (or another one read)
	// during the wait.
	ErrNoCard = errors.New("no card in the reader")
	// ErrAuthTimeout: the card did not answer within Config.AuthTimeout.
	ErrAuthTimeout = errors.New("card did not answer AUTH in time")
	// ErrAuthOtherCard: the answer names another card than the one read.
	ErrAuthOtherCard = errors.New("AUTH answered for another card")
	// ErrAuthReader: the reader sent an error frame (0x45) instead of the
	// answer, e.g. "card authentication failed".
	ErrAuthReader = errors.New("reader error during AUTH")
)

// authWaiter is one Auth waiting for its answer. Each has its own channel,
// so a result meant for an Auth that gave up can never reach a later one.
type authWaiter struct {
	cardNo string
	done   chan authResult // buffered: at most one result is sent
}

type authResult struct {
	answer AuthAnswer
	err    error
}

// Auth asks the card in the reader to sign ch (SPEC §10): it writes the
// 0x33 AUTH frame and waits for the 0x43 answer, which Run's goroutine
// decodes. It needs a frame reader (else ErrAuthUnsupported) whose port Run
// has open (else ErrNotOpen) and a card read and not removed since (else
// ErrNoCard). The wait ends with ErrAuthTimeout after Config.AuthTimeout
// (timed by Config.Clock), with ctx's error when ctx ends, with
// ErrAuthReader on a reader error frame, ErrAuthOtherCard on an answer
// naming another card, ErrNoCard when the card is removed or another read,
// ErrNotOpen when the port is lost, or an error wrapping ErrBadAuthAnswer
// on an answer that does not parse. The cryptogram is not checked: only
// the centre can.
//
// Auth is safe to call from any goroutine; calls are served one at a time.
// An answer carries no challenge, so the late answer to a challenge that
// timed out must not be taken for the answer to the next one: after an
// Auth gave up, the next one first waits (up to AuthTimeout) for that late
// answer, which is dropped, before it sends its own challenge. An answer
// later still would be taken; its cryptogram is over the earlier
// challenge, so the centre refuses it (CARD_PROOF_INVALID): it can cost a
// sale its proof, never forge one.
func (r *Reader) Auth(ctx context.Context, ch cardproof.Challenge) (a AuthAnswer, err error) {
	defer func() {
		r.update(func(s *Status) {
			if err != nil {
				s.AuthFailures++
			} else {
				s.Auths++
			}
		})
		if err != nil {
			r.log.Info("card AUTH failed", "err", err)
		}
	}()
	if r.cfg.Format != FormatFrame {
		return AuthAnswer{}, fmt.Errorf("auth: %w (format %s)", ErrAuthUnsupported, r.cfg.Format)
	}
	r.authMu.Lock()
	defer r.authMu.Unlock()
	if err := r.awaitLate(ctx); err != nil {
		return AuthAnswer{}, err
	}

	w := &authWaiter{done: make(chan authResult, 1)}
	r.mu.Lock()
	p, cardNo := r.port, r.inReader
	if p != nil && cardNo != "" {
		w.cardNo = cardNo
		r.waiter = w
	}
	r.mu.Unlock()
	switch {
	case p == nil:
		return AuthAnswer{}, fmt.Errorf("auth: %w", ErrNotOpen)
	case cardNo == "":
		return AuthAnswer{}, fmt.Errorf("auth: %w", ErrNoCard)
	}
	defer r.stopWaiting(w)

	// The timer starts before the challenge is sent: a test that sees the
	// challenge on the line may advance a fake clock past it.
	timer := r.cfg.Clock.NewTimer(r.cfg.AuthTimeout)
	defer timer.Stop()
	// A port closed by Run since it was taken above gives an error here.
	if err := p.write(EncodeFrame(CmdAuth, ch[:])); err != nil {
		return AuthAnswer{}, fmt.Errorf("auth: card %s: %w", cardNo, err)
	}
	select {
	case res := <-w.done:
		if res.err != nil {
			return AuthAnswer{}, fmt.Errorf("auth: card %s: %w", cardNo, res.err)
		}
		return res.answer, nil
	case <-timer.C():
		r.gaveUp(w)
		return AuthAnswer{}, fmt.Errorf("auth: card %s: %w (%v)", cardNo, ErrAuthTimeout, r.cfg.AuthTimeout)
	case <-ctx.Done():
		r.gaveUp(w)
		return AuthAnswer{}, fmt.Errorf("auth: card %s: %w", cardNo, ctx.Err())
	}
}

// gaveUp notes that w's challenge was sent and no answer taken: one may
// still come (Reader.late).
func (r *Reader) gaveUp(w *authWaiter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.waiter == w && r.late == nil {
		r.late = make(chan struct{})
	}
}

// awaitLate waits, when an earlier Auth gave up, until its late answer
// has come (and was dropped), the card or the port went, AuthTimeout
// passed or ctx ended.
func (r *Reader) awaitLate(ctx context.Context) error {
	r.mu.Lock()
	late := r.late
	r.mu.Unlock()
	if late == nil {
		return nil
	}
	timer := r.cfg.Clock.NewTimer(r.cfg.AuthTimeout)
	defer timer.Stop()
	select {
	case <-late:
	case <-timer.C():
		r.log.Info("no late AUTH answer came; sending the next challenge")
	case <-ctx.Done():
		return fmt.Errorf("auth: %w", ctx.Err())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.late == late {
		r.late = nil
	}
	return nil
}

// lateCame ends the wait for a late answer; r.mu must be held.
func (r *Reader) lateCame() {
	if r.late != nil {
		close(r.late)
		r.late = nil
	}
}

// stopWaiting unregisters w unless a result already did.
func (r *Reader) stopWaiting(w *authWaiter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.waiter == w {
		r.waiter = nil
	}
}

// settle ends the current wait, if any, with res; r.mu must be held. It
// reports whether an Auth was waiting.
func (r *Reader) settle(res authResult) bool {
	w := r.waiter
	if w == nil {
		return false
	}
	r.waiter = nil
	w.done <- res // buffered, and only one result per waiter
	return true
}

// The session's side: Run's goroutine tells the waiting Auth what arrives.

// portOpened makes p the port Auth writes to.
func (r *Reader) portOpened(p *port) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.port = p
}

// portClosed is called before the port is closed: Auth no longer writes to
// it, no card is known to be in the reader, and a waiting Auth fails.
func (r *Reader) portClosed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.port, r.inReader = nil, ""
	r.settle(authResult{err: fmt.Errorf("%w: port lost while waiting for the answer", ErrNotOpen)})
	r.lateCame()
}

// cardIn records the card now in the reader; a waiting Auth for another
// card fails, its card having been taken out.
func (r *Reader) cardIn(cardNo string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inReader != cardNo {
		r.lateCame() // the card a late answer would come from is gone
	}
	r.inReader = cardNo
	if r.waiter != nil && r.waiter.cardNo != cardNo {
		r.settle(authResult{err: fmt.Errorf("%w: card %s read while waiting", ErrNoCard, cardNo)})
	}
}

// cardOut records that the card was removed; a waiting Auth fails.
func (r *Reader) cardOut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inReader = ""
	r.settle(authResult{err: fmt.Errorf("%w: card removed while waiting for the answer", ErrNoCard)})
	r.lateCame()
}

// authAnswer hands the DATA of a 0x43 frame to the waiting Auth, or drops
// it when none waits.
func (r *Reader) authAnswer(data []byte) {
	a, err := ParseAuthAnswer(data)
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.waiter
	switch {
	case w == nil:
		r.log.Info("AUTH answer with no AUTH waiting dropped", "card_no", a.CardNo, "err", err)
		r.lateCame()
	case err != nil:
		r.settle(authResult{err: err})
	case a.CardNo != w.cardNo:
		r.settle(authResult{err: fmt.Errorf("%w: card %s answered", ErrAuthOtherCard, a.CardNo)})
	default:
		r.settle(authResult{answer: a})
	}
}

// authReaderError ends a waiting Auth with the reader's error; it reports
// whether one waited (the error frame was then the answer to AUTH, not a
// failed read).
func (r *Reader) authReaderError(data []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	waited := r.settle(authResult{err: fmt.Errorf("%w: %w", ErrAuthReader, readerError(data))})
	if !waited && r.late != nil {
		r.lateCame() // the late answer was an error frame
		return true
	}
	return waited
}
