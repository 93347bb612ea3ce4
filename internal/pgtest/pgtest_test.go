package pgtest

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// tables lists the tables of every schema a test could have created.
func tables(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, _ := conn.Query(context.Background(),
		"SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestStartGivesEachTestAnEmptyDatabaseOfItsOwn(t *testing.T) {
	ctx := context.Background()
	var first string
	t.Run("first", func(t *testing.T) {
		first = Start(t)
		conn := connect(t, first)
		_, err := conn.Exec(ctx, "CREATE TABLE mine (x int); CREATE SCHEMA extra; CREATE TABLE extra.more (y int)")
		if err != nil {
			t.Fatal(err)
		}
		var enc string
		if err := conn.QueryRow(ctx, "SHOW server_encoding").Scan(&enc); err != nil || enc != "UTF8" {
			t.Fatalf("server encoding %q %v, want UTF8", enc, err)
		}
		if other := Start(t); other == first {
			t.Fatalf("two databases in use at once are the same: %s", first)
		}
	})
	if first == "" {
		t.Skip("first subtest skipped")
	}
	second := Start(t)
	conn := connect(t, second)
	if got := tables(t, conn); len(got) != 0 {
		t.Fatalf("the next test's database holds %v", got)
	}
	// Its public schema works as in a new database.
	if _, err := conn.Exec(ctx, "CREATE TABLE mine (x int)"); err != nil {
		t.Fatal(err)
	}
}

func TestLeftoverSessionsAreDisconnected(t *testing.T) {
	var leftover *pgx.Conn
	t.Run("leaves a connection open", func(t *testing.T) {
		dsn := Start(t)
		var err error
		if leftover, err = pgx.Connect(context.Background(), dsn); err != nil {
			t.Fatal(err)
		}
	})
	if leftover == nil {
		t.Skip("subtest skipped")
	}
	defer leftover.Close(context.Background())
	if _, err := leftover.Exec(context.Background(), "SELECT 1"); err == nil {
		t.Fatal("a session left open by a finished test still works")
	}
}

func TestDatabaseNamesAreUniqueAcrossProcesses(t *testing.T) {
	a, b := databaseName(), databaseName()
	if a == b || !strings.HasPrefix(a, "pgtest_"+strconv.Itoa(os.Getpid())+"_") || len(a) > 63 {
		t.Fatalf("names %q %q", a, b)
	}
}

func TestWithDatabase(t *testing.T) {
	cases := []struct{ dsn, want string }{
		{"postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable", "postgres://u:p@127.0.0.1:5432/db1?sslmode=disable"},
		{"postgresql://127.0.0.1", "postgresql://127.0.0.1/db1"},
		{"host=127.0.0.1 user=u dbname=postgres", "host=127.0.0.1 user=u dbname=postgres dbname=db1"},
	}
	for _, c := range cases {
		got, err := withDatabase(c.dsn, "db1")
		if err != nil || got != c.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", c.dsn, got, err, c.want)
		}
		if cfg, err := pgx.ParseConfig(got); err != nil || cfg.Database != "db1" {
			t.Errorf("%q parses to %+v (%v), want database db1", got, cfg, err)
		}
	}
	if _, err := withDatabase("postgres://[::1", "x"); err == nil {
		t.Error("a malformed URL was accepted")
	}
}

// TestWithoutPostgreSQL runs this package's tests again in a child process
// that finds no PostgreSQL: they are skipped with the install hint, and
// fail instead under POSAGENT_REQUIRE_ALL=1.
func TestWithoutPostgreSQL(t *testing.T) {
	if os.Getenv(EnvBin) != "" {
		t.Skip("already the child")
	}
	run := func(requireAll string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStartGivesEachTestAnEmptyDatabaseOfItsOwn$", "-test.v")
		cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
			return strings.HasPrefix(kv, EnvDSN+"=") || strings.HasPrefix(kv, EnvRequireAll+"=")
		}), EnvBin+"="+t.TempDir(), EnvRequireAll+"="+requireAll)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("")
	if err != nil || !strings.Contains(out, "--- SKIP") || !strings.Contains(out, "apt-get install postgresql") {
		t.Fatalf("without PostgreSQL: %v\n%s", err, out)
	}
	out, err = run("1")
	if err == nil || !strings.Contains(out, "--- FAIL") || !strings.Contains(out, "apt-get install postgresql") {
		t.Fatalf("without PostgreSQL, %s=1: %v\n%s", EnvRequireAll, err, out)
	}
}
