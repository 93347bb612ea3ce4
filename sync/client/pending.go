package client

import (
	"context"
	"sync"

	"posagent/sync/wire"
)

// pending pairs the requests a session sent to the centre (account_req,
// reconcile, voucher_req) with their answers, by message id. It is safe
// for concurrent use; the zero value is ready.
type pending[T any] struct {
	mu      sync.Mutex
	waiting map[string]chan T
	ended   bool // the session ended: no answer will come
}

// register makes id wait for an answer. The channel gets the answer once,
// or is closed when the session ends (at once if it has ended); done must
// be called when the caller stops waiting.
func (p *pending[T]) register(id string) (answer <-chan T, done func()) {
	ch := make(chan T, 1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		close(ch)
		return ch, func() {}
	}
	if p.waiting == nil {
		p.waiting = make(map[string]chan T)
	}
	p.waiting[id] = ch
	return ch, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.waiting[id] == ch {
			delete(p.waiting, id)
		}
	}
}

// deliver hands v to the request waiting for id, and reports whether one
// was (a late or repeated answer finds none).
func (p *pending[T]) deliver(id string, v T) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch, ok := p.waiting[id]
	if !ok {
		return false
	}
	delete(p.waiting, id)
	ch <- v // buffered, and only ever sent once: never blocks
	return true
}

// cancelAll ends every wait, now and later: the session has ended.
func (p *pending[T]) cancelAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ended = true
	for id, ch := range p.waiting {
		close(ch)
		delete(p.waiting, id)
	}
}

// len is the number of requests waiting.
func (p *pending[T]) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.waiting)
}

// call sends m, whose ID is set, and waits for the answer delivered to
// calls under that id. It returns ErrOffline when the session ends first,
// and ctx.Err() when ctx does.
func call[T any](ctx context.Context, s *session, calls *pending[T], m wire.Message) (T, error) {
	var zero T
	answer, done := calls.register(m.ID)
	defer done()
	if err := s.send(ctx, m); err != nil {
		return zero, err
	}
	select {
	case v, ok := <-answer:
		if !ok {
			return zero, ErrOffline
		}
		return v, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}
