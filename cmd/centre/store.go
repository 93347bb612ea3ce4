package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"posagent/sync/centre/datadir"
	"posagent/sync/centre/store"
	"posagent/sync/centre/store/pgstore"
)

// This file is the one place the centre's store is chosen: the embedded
// store in the data directory, or PostgreSQL (--db, remembered in the
// data directory for the administrative commands).

// adminLockTimeout is how long an administrative command waits for the
// embedded store's lock before concluding that a centre holds it.
const adminLockTimeout = 500 * time.Millisecond

// openRunStore opens the store `centre run` serves: PostgreSQL at dsn,
// remembered in dataDir, or else the embedded store in dataDir.
func openRunStore(ctx context.Context, e *env, dataDir, dsn string) (store.Store, error) {
	if dsn == "" {
		st, err := datadir.OpenBolt(dataDir, store.BoltOptions{Logger: e.log})
		if err != nil {
			return nil, fmt.Errorf("start centre: %w", err)
		}
		return st, nil
	}
	st, err := pgstore.Open(ctx, dsn, pgstore.Options{Logger: e.log})
	if err != nil {
		return nil, err
	}
	// The administrative commands on this data directory use it too.
	if err := datadir.RememberStoreURL(dataDir, dsn); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// openAdminStore opens the store of dataDir when no centre runs on it:
// the PostgreSQL database `centre run --db` remembered, or the embedded
// store. It returns the store and how to name it.
func openAdminStore(ctx context.Context, e *env, dataDir string) (store.Store, string, error) {
	if dsn, ok := datadir.StoreURL(dataDir); ok {
		st, err := pgstore.Open(ctx, dsn, pgstore.Options{Logger: e.log})
		if err != nil {
			return nil, "", err
		}
		return st, "PostgreSQL store", nil
	}
	path := filepath.Join(dataDir, datadir.StoreFile)
	st, err := store.OpenBolt(path, store.BoltOptions{Timeout: adminLockTimeout, Logger: e.log})
	if err != nil {
		return nil, "", err // locked but not answering: a centre is starting or stopping
	}
	return st, "store " + path, nil
}
