package centre

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// encodedDoc is a signed document already encoded as a websocket message.
type encodedDoc struct {
	version int64
	data    []byte
}

// latestBundle returns the latest bundle as a ready message, or nil when
// none was ever published. It is loaded once and kept current by publish.
func (s *Server) latestBundle(ctx context.Context) (*encodedDoc, error) {
	if d := s.bundleMsg.Load(); d != nil {
		return d, nil
	}
	doc, err := s.cfg.Store.LatestSigned(ctx, wire.KindBundle)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest bundle: %w", err)
	}
	return s.cacheBundle(doc)
}

// cacheBundle encodes doc and keeps it unless a newer one is cached.
func (s *Server) cacheBundle(doc wire.Signed) (*encodedDoc, error) {
	data, err := json.Marshal(wire.Message{Type: wire.TypeBundle, Signed: &doc})
	if err != nil {
		return nil, fmt.Errorf("encode bundle %d: %w", doc.Version, err)
	}
	d := &encodedDoc{version: doc.Version, data: data}
	for {
		old := s.bundleMsg.Load()
		if old != nil && old.version >= d.version {
			return old, nil
		}
		if s.bundleMsg.CompareAndSwap(old, d) {
			return d, nil
		}
	}
}

// latestVersion is the newest version of a kind, 0 when there is none.
func (s *Server) latestVersion(ctx context.Context, kind string) (int64, error) {
	if kind == wire.KindBundle {
		d, err := s.latestBundle(ctx)
		if d == nil || err != nil {
			return 0, err
		}
		return d.version, nil
	}
	return latestVersion(ctx, s.cfg.Store, kind)
}

// latestVersion is the newest stored version of a kind, 0 when none.
func latestVersion(ctx context.Context, st store.Store, kind string) (int64, error) {
	doc, err := st.LatestSigned(ctx, kind)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("latest %s: %w", kind, err)
	}
	return doc.Version, nil
}
