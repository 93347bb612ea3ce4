package centre

import (
	"context"
	"io"

	"posagent/sync/wire"
)

// Publish is the package's Publish on the server's store and key, one at
// a time; the new bundle is pushed to every connected agent.
func (s *Server) Publish(ctx context.Context, catalogueCSV, rulesJSON []byte) (wire.Signed, error) {
	s.publishMu.Lock()
	defer s.publishMu.Unlock()
	doc, err := Publish(ctx, s.cfg.Store, s.cfg.SigningKey, catalogueCSV, rulesJSON, s.cfg.Now())
	if err != nil {
		return doc, err
	}
	if _, err := s.cacheBundle(doc); err != nil {
		s.cfg.Logger.Error("cache new bundle", "version", doc.Version, "err", err)
		s.bundleMsg.Store(nil) // reload from the store on next use
	}
	s.cfg.Logger.Info("bundle published", "version", doc.Version)
	s.metrics.published(wire.KindBundle)
	s.hub.kickAll()
	return doc, nil
}

// BlockCards is the package's BlockCards with the ledger held still; the
// delta is pushed to every connected agent.
func (s *Server) BlockCards(ctx context.Context, add, remove []string) (wire.Signed, error) {
	s.publishMu.Lock()
	defer s.publishMu.Unlock()
	s.ledgerMu.Lock()
	doc, err := BlockCards(ctx, s.cfg.Store, s.cfg.SigningKey, add, remove, s.cfg.Now())
	s.ledgerMu.Unlock()
	if doc.Version > 0 { // stored, even if marking an account failed
		s.cfg.Logger.Info("blocklist published", "version", doc.Version, "add", len(add), "remove", len(remove))
		s.metrics.published(wire.KindBlocklist)
		s.hub.kickAll()
	}
	return doc, err
}

// ImportAccountsCSV is the package's ImportAccountsCSV; the file is parsed
// before the ledger is held still for the import.
func (s *Server) ImportAccountsCSV(ctx context.Context, r io.Reader) (int, error) {
	accounts, err := ParseAccountsCSV(r)
	if err != nil {
		return 0, err
	}
	s.ledgerMu.Lock()
	defer s.ledgerMu.Unlock()
	n, err := importAccounts(ctx, s.cfg.Store, accounts)
	if err == nil {
		s.cfg.Logger.Info("accounts imported", "count", n)
	}
	return n, err
}

// Enrol is the package's Enrol; a connection the terminal made with its
// old token is closed.
func (s *Server) Enrol(ctx context.Context, terminal, pharmacy string) (string, error) {
	s.ledgerMu.Lock()
	token, err := Enrol(ctx, s.cfg.Store, terminal, pharmacy)
	s.ledgerMu.Unlock()
	if err != nil {
		return "", err
	}
	s.hub.drop(terminal, "terminal re-enrolled")
	s.cfg.Logger.Info("terminal enrolled", "terminal", terminal, "pharmacy", pharmacy)
	return token, nil
}

// AddUser is the package's AddUser on the server's store.
func (s *Server) AddUser(ctx context.Context, name, role, password string) error {
	if err := AddUser(ctx, s.cfg.Store, name, role, password); err != nil {
		return err
	}
	s.cfg.Logger.Info("user added", "name", name, "role", role)
	return nil
}
