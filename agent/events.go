package agent

import (
	gosync "sync"

	"posagent/reader"
)

// eventHub fans reader events out to subscribers (the POS API's /v1/events
// websockets). A slow subscriber loses events rather than stalling the
// reader.
type eventHub struct {
	mu   gosync.Mutex
	subs map[chan reader.Event]struct{}
}

// subscriberBuffer is how many events a subscriber may fall behind.
const subscriberBuffer = 64

// Subscribe returns a channel of reader events and a function that ends the
// subscription (and closes the channel).
func (a *Agent) Subscribe() (<-chan reader.Event, func()) {
	h := &a.events
	ch := make(chan reader.Event, subscriberBuffer)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = make(map[chan reader.Event]struct{})
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	var once gosync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, ch)
			h.mu.Unlock()
			close(ch)
		})
	}
}

func (h *eventHub) publish(ev reader.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- ev:
		default: // subscriber is behind; drop rather than block the reader
		}
	}
}
