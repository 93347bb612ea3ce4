package client

import (
	"context"

	"posagent/sync/wire"
)

// offerLoop hands signed documents to the Handler, in the order they came,
// and reports each outcome in a bundle_status.
func (s *session) offerLoop() {
	for {
		select {
		case <-s.dead:
			return
		case doc := <-s.offers:
			s.offer(doc)
		}
	}
}

func (s *session) offer(doc wire.Signed) {
	log := s.c.log.With("kind", doc.Kind, "version", doc.Version)
	active, err := s.c.cfg.Handler.OfferSigned(doc)
	st := wire.BundleStatus{Kind: doc.Kind, Offered: doc.Version, Active: active}
	if err != nil {
		st.Error = err.Error()
		log.Warn("refused signed document from centre", "active", active, "err", err)
	} else {
		log.Info("accepted signed document from centre", "active", active)
	}
	if err := s.send(context.Background(), wire.Message{Type: wire.TypeBundleStatus, BundleStatus: &st}); err != nil {
		log.Debug("bundle status not sent", "err", err)
	}
}
