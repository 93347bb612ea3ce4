package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// Creating a database copies the template's catalogs, half a second or
// more; emptying one takes milliseconds. So under Main a finished test's
// database is emptied and handed to the next test instead of dropped.

// seq numbers the databases this process creates.
var seq atomic.Int64

// free holds emptied databases ready for the next test, by server.
var free struct {
	sync.Mutex
	names map[string][]string // admin DSN → database names
}

// databaseName is a new database name, unique on a server shared by
// several test processes.
func databaseName() string {
	return fmt.Sprintf("pgtest_%d_%d", os.Getpid(), seq.Add(1))
}

// takeDatabase returns an empty database for a test: a recycled one, or a
// new one.
func takeDatabase(ctx context.Context, admin string) (string, error) {
	free.Lock()
	if names := free.names[admin]; len(names) > 0 {
		name := names[len(names)-1]
		free.names[admin] = names[:len(names)-1]
		free.Unlock()
		return name, nil
	}
	free.Unlock()
	name := databaseName()
	return name, onServer(ctx, admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
}

// giveBack empties a finished test's database and keeps it for the next
// test; when it cannot be emptied it is dropped.
func giveBack(ctx context.Context, admin, name string) error {
	if err := emptyDatabase(ctx, admin, name); err != nil {
		return dropDatabase(ctx, admin, name)
	}
	free.Lock()
	defer free.Unlock()
	if free.names == nil {
		free.names = map[string][]string{}
	}
	free.names[admin] = append(free.names[admin], name)
	return nil
}

// dropFree drops the recycled databases of every server (at the end of
// Main, for a server that outlives the tests).
func dropFree(ctx context.Context) error {
	free.Lock()
	names := free.names
	free.names = nil
	free.Unlock()
	var errs []error
	for admin, ns := range names {
		for _, n := range ns {
			if err := dropDatabase(ctx, admin, n); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("drop test databases: %v", errs)
	}
	return nil
}

// emptyDatabase disconnects whoever is still in the database and drops
// every schema in it, then creates an empty public schema: what a new
// database holds.
func emptyDatabase(ctx context.Context, admin, name string) error {
	err := onServer(ctx, admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "+
		quoteLiteral(name)+" AND pid <> pg_backend_pid()")
	if err != nil {
		return err
	}
	dsn, err := withDatabase(admin, name)
	if err != nil {
		return err
	}
	return onServer(ctx, dsn, `DO $$
		DECLARE s name;
		BEGIN
			FOR s IN SELECT nspname FROM pg_namespace
				WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
			LOOP
				EXECUTE format('DROP SCHEMA %I CASCADE', s);
			END LOOP;
			CREATE SCHEMA public;
		END $$`)
}

// dropDatabase drops the database, disconnecting whoever is still in it.
func dropDatabase(ctx context.Context, admin, name string) error {
	return onServer(ctx, admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

// onServer runs one statement on a connection of its own to dsn.
func onServer(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(dsn), err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// quoteLiteral quotes a database name (letters, digits, '_') as an SQL
// string.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// withDatabase returns dsn naming the database name instead of its own.
// dsn is a URL (postgres://…) or keyword/value pairs ("host=… user=…").
func withDatabase(dsn, name string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " dbname=" + name, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("%s: %w", EnvDSN, err)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// redact hides a URL's password for error messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	return u.Redacted()
}
